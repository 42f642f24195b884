import { createUser, withUser } from "@penguinmails/db";
import { describe, expect, it } from "vitest";
import { GET as listTenants, POST as createTenant } from "@/app/api/tenants/route";
import { GET, POST } from "@/app/api/tenants/[tenantId]/members/route";
import { DELETE, PATCH } from "@/app/api/tenants/[tenantId]/members/[userId]/route";
import { answer, expectError, params, request, signIn, uniqueEmail, setUpWebTestDatabase, type Answer } from "./support/web";

const world = setUpWebTestDatabase();

// Small API clients, one per route, so each test reads as the calls it makes.
const members = (cookie: string | undefined, tenantId: string, query = "") =>
  answer(GET(request("GET", `/api/tenants/${tenantId}/members${query}`, { cookie }), params({ tenantId })));
const add = (cookie: string | undefined, tenantId: string, json: unknown) =>
  answer(POST(request("POST", `/api/tenants/${tenantId}/members`, { cookie, json }), params({ tenantId })));
const patch = (cookie: string | undefined, tenantId: string, userId: string, json: unknown) =>
  answer(PATCH(request("PATCH", `/api/tenants/${tenantId}/members/${userId}`, { cookie, json }), params({ tenantId, userId })));
const remove = (cookie: string | undefined, tenantId: string, userId: string) =>
  answer(DELETE(request("DELETE", `/api/tenants/${tenantId}/members/${userId}`, { cookie }), params({ tenantId, userId })));

type Person = Awaited<ReturnType<typeof signIn>>;

/** A workspace made through the API by a fresh owner, plus people in it with the given roles. */
async function workspace(roles: Record<string, string[]> = {}) {
  const owner = await signIn(uniqueEmail("owner"));
  const created = await answer(createTenant(request("POST", "/api/tenants", { cookie: owner.cookie, json: { name: "Team" } }), undefined));
  const tenantId: string = created.body.tenant.id;
  const people: Record<string, Person> = {};
  for (const [label, its] of Object.entries(roles)) {
    const person = await signIn(uniqueEmail(label));
    expect((await add(owner.cookie, tenantId, { email: person.user.email, roles: its })).status).toBe(201);
    people[label] = person;
  }
  return { tenantId, owner, people };
}

const emails = (response: Answer) => response.body.members.map((m: { email: string }) => m.email).sort();

describe("GET /api/tenants/{tenantId}/members", () => {
  it("lists members with email, name and roles", async () => {
    const { tenantId, owner, people } = await workspace({ viewer: ["viewer"] });
    // A user with a name (sign-in leaves it empty), signed up through the data layer.
    const named = uniqueEmail("named");
    const id = crypto.randomUUID();
    await withUser(world().client.db, { userId: id }, (tx) => createUser(tx, { id, email: named, name: "Named Person" }));
    expect((await add(owner.cookie, tenantId, { email: named, roles: ["admin", "member"] })).status).toBe(201);

    const response = await members(people.viewer!.cookie, tenantId);
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.members).toHaveLength(3);
    expect(response.body.members).toContainEqual({ userId: owner.user.id, email: owner.user.email, name: null, roles: ["owner"], created: expect.any(String) });
    expect(response.body.members).toContainEqual({ userId: id, email: named, name: "Named Person", roles: ["admin", "member"], created: expect.any(String) });
  });

  it("pages with ?cursor= (and ?limit=), each member once", async () => {
    const { tenantId, owner } = await workspace({ a: ["member"], b: ["member"], c: ["viewer"], d: ["admin"] });
    const seen: string[] = [];
    let query = "?limit=2";
    for (let pages = 0; pages < 10; pages++) {
      const page = await members(owner.cookie, tenantId, query);
      expect(page.status).toBe(200);
      expect(page.body.members.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.members.map((m: { userId: string }) => m.userId));
      if (!page.body.nextCursor) break;
      query = `?limit=2&cursor=${page.body.nextCursor}`;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen).toEqual([...seen].sort());
  });

  it("answers 400 for a bad cursor or limit, naming it", async () => {
    const { tenantId, owner } = await workspace();
    for (const [query, field] of [
      ["?cursor=nope", "cursor"],
      ["?limit=0", "limit"],
      ["?limit=x", "limit"],
      ["?limit=201", "limit"],
    ]) {
      const response = await members(owner.cookie, tenantId, query);
      expectError(response, 400, "validation");
      expect(response.body.error.fields).toEqual([{ field, message: expect.any(String) }]);
    }
  });

  it("answers 404, the same as for a tenant that does not exist, to someone who is not a member", async () => {
    const { tenantId } = await workspace();
    const outsider = await signIn();
    const theirs = await members(outsider.cookie, tenantId);
    const nobodys = await members(outsider.cookie, crypto.randomUUID());
    expectError(theirs, 404, "not_found");
    expect(theirs.body).toEqual(nobodys.body);
  });

  it("says what is wrong with a limit out of range, not that it is not a number", async () => {
    const { tenantId, owner } = await workspace();
    for (const limit of ["100000", "0", "-3"]) {
      const response = await members(owner.cookie, tenantId, `?limit=${limit}`);
      expect(response.body.error.fields).toEqual([{ field: "limit", message: "must be between 1 and 200" }]);
    }
    expect((await members(owner.cookie, tenantId, "?limit=x")).body.error.fields).toEqual([{ field: "limit", message: "must be a number" }]);
    expect((await members(owner.cookie, tenantId, "?limit=2.5")).body.error.fields).toEqual([{ field: "limit", message: "must be a whole number" }]);
  });

  it("answers 400 for a tenant id that is not a UUID", async () => {
    const { owner } = await workspace();
    const response = await members(owner.cookie, "not-a-uuid");
    expectError(response, 400, "validation");
    expect(response.body.error.fields).toEqual([{ field: "tenantId", message: expect.any(String) }]);
  });

  it("answers 401 without a session", async () => {
    const { tenantId } = await workspace();
    expectError(await members(undefined, tenantId), 401, "unauthorized");
  });
});

describe("POST /api/tenants/{tenantId}/members", () => {
  it("adds a member by email (201), creating the user if needed; they then see the workspace", async () => {
    const { tenantId, owner } = await workspace();
    const email = uniqueEmail("invited");
    const response = await add(owner.cookie, tenantId, { email, roles: ["admin"] });
    expect(response.status).toBe(201);
    expect(response.body.member).toEqual({ userId: expect.any(String), email, name: null, roles: ["admin"], created: expect.any(String) });
    expect(emails(await members(owner.cookie, tenantId))).toEqual([email, owner.user.email].sort());

    const invited = await signIn(email);
    expect(invited.user.id).toBe(response.body.member.userId);
    const theirs = await answer(listTenants(request("GET", "/api/tenants", { cookie: invited.cookie }), undefined));
    expect(theirs.body.tenants).toEqual([expect.objectContaining({ id: tenantId, roles: ["admin"] })]);
  });

  it("adds a member with an internationalized address (201), listed with its Unicode domain; the punycode spelling is the same member", async () => {
    const { tenantId, owner } = await workspace();
    const email = `müller-${crypto.randomUUID().slice(0, 8)}@bücher.de`;
    const response = await add(owner.cookie, tenantId, { email, roles: ["member"] });
    expect(response.status).toBe(201);
    expect(response.body.member).toMatchObject({ email, roles: ["member"] });
    expect(emails(await members(owner.cookie, tenantId))).toContain(email);
    const again = await add(owner.cookie, tenantId, { email: email.replace("bücher.de", "XN--BCHER-KVA.DE"), roles: ["member"] });
    expect(again.status).toBe(409);
  });

  it("answers 400 naming the field for a bad email, bad roles or unknown fields", async () => {
    const { tenantId, owner } = await workspace();
    const cases: [unknown, string][] = [
      [{ email: "nope", roles: ["member"] }, "email"],
      [{ email: uniqueEmail(), roles: [] }, "roles"],
      [{ email: uniqueEmail(), roles: ["emperor"] }, "roles.0"],
      [{ email: uniqueEmail(), roles: ["member", "member"] }, "roles"],
      [{ email: uniqueEmail() }, "roles"],
      [{ email: uniqueEmail(), roles: ["member"], tenantId }, "input"],
    ];
    for (const [json, field] of cases) {
      const response = await add(owner.cookie, tenantId, json);
      expectError(response, 400, "validation");
      expect(response.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect((await members(owner.cookie, tenantId)).body.members).toHaveLength(1);
  });

  it("answers 400 for malformed JSON or a wrong content type", async () => {
    const { tenantId, owner } = await workspace();
    const path = `/api/tenants/${tenantId}/members`;
    const malformed = request("POST", path, { cookie: owner.cookie, raw: "{" });
    const wrongType = request("POST", path, {
      cookie: owner.cookie,
      raw: JSON.stringify({ email: uniqueEmail(), roles: ["member"] }),
      contentType: "text/plain",
    });
    expectError(await answer(POST(malformed, params({ tenantId }))), 400, "validation");
    expectError(await answer(POST(wrongType, params({ tenantId }))), 400, "validation");
  });

  it("answers 403 when a member or viewer adds someone, or an admin grants owner", async () => {
    const { tenantId, people } = await workspace({ member: ["member"], viewer: ["viewer"], admin: ["admin"] });
    expectError(await add(people.member!.cookie, tenantId, { email: uniqueEmail(), roles: ["viewer"] }), 403, "forbidden");
    expectError(await add(people.viewer!.cookie, tenantId, { email: uniqueEmail(), roles: ["viewer"] }), 403, "forbidden");
    expectError(await add(people.admin!.cookie, tenantId, { email: uniqueEmail(), roles: ["owner"] }), 403, "forbidden");
    expect((await add(people.admin!.cookie, tenantId, { email: uniqueEmail(), roles: ["member"] })).status).toBe(201);
  });

  it("answers 404 to someone who is not a member, and for a tenant that does not exist", async () => {
    const { tenantId } = await workspace();
    const outsider = await signIn();
    expectError(await add(outsider.cookie, tenantId, { email: outsider.user.email, roles: ["owner"] }), 404, "not_found");
    expectError(await add(outsider.cookie, crypto.randomUUID(), { email: uniqueEmail(), roles: ["member"] }), 404, "not_found");
  });

  it("answers 409 for someone who is already a member", async () => {
    const { tenantId, owner, people } = await workspace({ member: ["member"] });
    const response = await add(owner.cookie, tenantId, { email: people.member!.user.email.toUpperCase(), roles: ["admin"] });
    expectError(response, 409, "conflict");
    expect(response.body.error.fields).toEqual([{ field: "email", message: expect.any(String) }]);
  });

  it("answers 401 without a session", async () => {
    const { tenantId } = await workspace();
    expectError(await add(undefined, tenantId, { email: uniqueEmail(), roles: ["member"] }), 401, "unauthorized");
  });
});

describe("PATCH /api/tenants/{tenantId}/members/{userId}", () => {
  it("changes a member's roles (200)", async () => {
    const { tenantId, owner, people } = await workspace({ member: ["member"] });
    const response = await patch(owner.cookie, tenantId, people.member!.user.id, { roles: ["admin", "member"] });
    expect(response.status).toBe(200);
    expect(response.body.member).toMatchObject({ userId: people.member!.user.id, email: people.member!.user.email, roles: ["admin", "member"] });
    const listed = (await members(owner.cookie, tenantId)).body.members.find((m: { userId: string }) => m.userId === people.member!.user.id);
    expect(listed?.roles).toEqual(["admin", "member"]);
  });

  it("answers 400 for bad roles, a member id that is not a UUID, or malformed JSON", async () => {
    const { tenantId, owner, people } = await workspace({ member: ["member"] });
    const id = people.member!.user.id;
    expectError(await patch(owner.cookie, tenantId, id, { roles: [] }), 400, "validation");
    expectError(await patch(owner.cookie, tenantId, id, { roles: ["god"] }), 400, "validation");
    expectError(await patch(owner.cookie, tenantId, id, {}), 400, "validation");
    const badId = await patch(owner.cookie, tenantId, "42", { roles: ["viewer"] });
    expectError(badId, 400, "validation");
    expect(badId.body.error.fields).toEqual([{ field: "userId", message: expect.any(String) }]);
    const malformed = request("PATCH", `/api/tenants/${tenantId}/members/${id}`, { cookie: owner.cookie, raw: "roles=admin" });
    expectError(await answer(PATCH(malformed, params({ tenantId, userId: id }))), 400, "validation");
  });

  it("answers 403 when a member changes roles, an admin grants owner, or an admin makes themselves owner", async () => {
    const { tenantId, people } = await workspace({ member: ["member"], admin: ["admin"], viewer: ["viewer"] });
    expectError(await patch(people.member!.cookie, tenantId, people.viewer!.user.id, { roles: ["member"] }), 403, "forbidden");
    expectError(await patch(people.viewer!.cookie, tenantId, people.viewer!.user.id, { roles: ["admin"] }), 403, "forbidden");
    expectError(await patch(people.admin!.cookie, tenantId, people.viewer!.user.id, { roles: ["owner"] }), 403, "forbidden");
    expectError(await patch(people.admin!.cookie, tenantId, people.admin!.user.id, { roles: ["owner", "admin"] }), 403, "forbidden");
  });

  it("answers 404 for someone who is not a member, and to someone who is not a member", async () => {
    const { tenantId, owner, people } = await workspace({ member: ["member"] });
    const outsider = await signIn();
    expectError(await patch(owner.cookie, tenantId, outsider.user.id, { roles: ["viewer"] }), 404, "not_found");
    expectError(await patch(owner.cookie, tenantId, crypto.randomUUID(), { roles: ["viewer"] }), 404, "not_found");
    expectError(await patch(outsider.cookie, tenantId, people.member!.user.id, { roles: ["viewer"] }), 404, "not_found");
  });

  it("answers 409 when the last owner would give up owning", async () => {
    const { tenantId, owner, people } = await workspace({ second: ["owner", "admin"] });
    const second = people.second!;
    expect((await remove(second.cookie, tenantId, owner.user.id)).status).toBe(204);
    const response = await patch(second.cookie, tenantId, second.user.id, { roles: ["admin"] });
    expectError(response, 409, "conflict");
  });

  it("answers 401 without a session", async () => {
    const { tenantId, owner } = await workspace();
    expectError(await patch(undefined, tenantId, owner.user.id, { roles: ["owner"] }), 401, "unauthorized");
  });
});

describe("DELETE /api/tenants/{tenantId}/members/{userId}", () => {
  it("removes a member (204): gone from the list and from their workspaces; they can be added again", async () => {
    const { tenantId, owner, people } = await workspace({ member: ["member"] });
    const member = people.member!;
    const response = await remove(owner.cookie, tenantId, member.user.id);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(emails(await members(owner.cookie, tenantId))).toEqual([owner.user.email]);
    expectError(await members(member.cookie, tenantId), 404, "not_found");
    expectError(await remove(owner.cookie, tenantId, member.user.id), 404, "not_found");
    expect((await add(owner.cookie, tenantId, { email: member.user.email, roles: ["viewer"] })).status).toBe(201);
  });

  it("lets a member remove themselves (leave)", async () => {
    const { tenantId, people } = await workspace({ viewer: ["viewer"] });
    expect((await remove(people.viewer!.cookie, tenantId, people.viewer!.user.id)).status).toBe(204);
  });

  it("answers 403 when a member removes someone, or an admin removes an owner", async () => {
    const { tenantId, owner, people } = await workspace({ member: ["member"], admin: ["admin"] });
    expectError(await remove(people.member!.cookie, tenantId, people.admin!.user.id), 403, "forbidden");
    expectError(await remove(people.admin!.cookie, tenantId, owner.user.id), 403, "forbidden");
  });

  it("answers 404 for someone who is not a member, and to someone who is not a member", async () => {
    const { tenantId, owner } = await workspace();
    const outsider = await signIn();
    expectError(await remove(owner.cookie, tenantId, outsider.user.id), 404, "not_found");
    expectError(await remove(outsider.cookie, tenantId, owner.user.id), 404, "not_found");
    expectError(await remove(outsider.cookie, crypto.randomUUID(), owner.user.id), 404, "not_found");
  });

  it("answers 400 for a member id that is not a UUID", async () => {
    const { tenantId, owner } = await workspace();
    expectError(await remove(owner.cookie, tenantId, "me"), 400, "validation");
  });

  it("answers 409 when the last owner would leave", async () => {
    const { tenantId, owner } = await workspace({ admin: ["admin"] });
    expectError(await remove(owner.cookie, tenantId, owner.user.id), 409, "conflict");
  });

  it("answers 401 without a session", async () => {
    const { tenantId, owner } = await workspace();
    expectError(await remove(undefined, tenantId, owner.user.id), 401, "unauthorized");
  });
});
