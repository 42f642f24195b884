import { softDeleteTenant, withTenant } from "@penguinmails/db";
import { describe, expect, it } from "vitest";
import { GET, POST } from "@/app/api/tenants/route";
import { POST as addMember } from "@/app/api/tenants/[tenantId]/members/route";
import { answer, expectError, params, request, signIn, uniqueEmail, setUpWebTestDatabase } from "./support/web";

const world = setUpWebTestDatabase();

const create = (cookie: string, json: unknown) => answer(POST(request("POST", "/api/tenants", { cookie, json }), undefined));
const list = (cookie?: string) => answer(GET(request("GET", "/api/tenants", { cookie }), undefined));

describe("POST /api/tenants", () => {
  it("creates a tenant (201) with the acting user as its owner", async () => {
    const { cookie } = await signIn();
    const response = await create(cookie, { name: "  Acme Mail  " });
    expect(response.status).toBe(201);
    expect(response.body.tenant).toEqual({ id: expect.any(String), name: "Acme Mail", created: expect.any(String), roles: ["owner"] });
    expect((await list(cookie)).body.tenants).toEqual([response.body.tenant]);
  });

  it("answers 400 naming the field for an empty, too long, missing or mistyped name, or unknown fields", async () => {
    const { cookie } = await signIn();
    for (const json of [{ name: "   " }, { name: "x".repeat(201) }, {}, { name: 7 }, { name: "Ok", id: crypto.randomUUID() }, []]) {
      const response = await create(cookie, json);
      expectError(response, 400, "validation");
      expect(response.body.error.fields.length).toBeGreaterThan(0);
    }
    expect((await list(cookie)).body.tenants).toEqual([]);
  });

  it("answers 400 for malformed JSON or a wrong content type", async () => {
    const { cookie } = await signIn();
    expectError(await answer(POST(request("POST", "/api/tenants", { cookie, raw: "{name: 'x'}" }), undefined)), 400, "validation");
    const form = request("POST", "/api/tenants", { cookie, raw: "name=x", contentType: "application/x-www-form-urlencoded" });
    expectError(await answer(POST(form, undefined)), 400, "validation");
  });

  it("answers 401 without a session", async () => {
    expectError(await answer(POST(request("POST", "/api/tenants", { json: { name: "Nope" } }), undefined)), 401, "unauthorized");
  });
});

describe("GET /api/tenants", () => {
  it("lists the acting user's live tenants with their roles there, and nobody else's", async () => {
    const alice = await signIn(uniqueEmail("alice"));
    const bob = await signIn(uniqueEmail("bob"));
    const aliceOnly = (await create(alice.cookie, { name: "Alice only" })).body.tenant;
    const shared = (await create(alice.cookie, { name: "Shared" })).body.tenant;
    const bobs = (await create(bob.cookie, { name: "Bob's" })).body.tenant;
    const gone = (await create(bob.cookie, { name: "Gone" })).body.tenant;
    const added = await answer(
      addMember(
        request("POST", `/api/tenants/${shared.id}/members`, { cookie: alice.cookie, json: { email: bob.user.email, roles: ["viewer", "member"] } }),
        params({ tenantId: shared.id }),
      ),
    );
    expect(added.status).toBe(201);
    await withTenant(world().client.db, { tenantId: gone.id, userId: bob.user.id }, (tx) => softDeleteTenant(tx));

    expect((await list(alice.cookie)).body.tenants.map((t: { id: string }) => t.id).sort()).toEqual([aliceOnly.id, shared.id].sort());
    const bobsView = (await list(bob.cookie)).body;
    expect(bobsView.tenants).toEqual([
      { id: bobs.id, name: "Bob's", created: bobs.created, roles: ["owner"] },
      { id: shared.id, name: "Shared", created: shared.created, roles: ["viewer", "member"] },
    ]);
  });

  it("answers 401 without a session", async () => {
    expectError(await list(), 401, "unauthorized");
  });
});
