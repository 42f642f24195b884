import { describe, expect, it } from "vitest";
import { POST as createTenant } from "@/app/api/tenants/route";
import { GET, POST } from "@/app/api/tenants/[tenantId]/members/route";
import { PATCH } from "@/app/api/tenants/[tenantId]/members/[userId]/route";
import { MAX_LISTED_PROBLEMS } from "@/server/errors";
import { MAX_BODY_BYTES } from "@/server/request-body";
import { addWorkspaceMember } from "@/server/workspaces";
import { answer, expectError, params, request, setUpWebTestDatabase, signIn, uniqueEmail } from "./support/web";

setUpWebTestDatabase();

// Oversized and overgrown requests are refused before they cost anything: a body over 64 KiB
// is 413 before it is read in full, and arrays are measured before any schema walks them.

async function workspace() {
  const owner = await signIn(uniqueEmail("owner"));
  const created = await answer(createTenant(request("POST", "/api/tenants", { cookie: owner.cookie, json: { name: "Team" } }), undefined));
  return { owner, tenantId: created.body.tenant.id };
}

const memberEmails = async (cookie: string, tenantId: string) =>
  (await answer(GET(request("GET", `/api/tenants/${tenantId}/members`, { cookie }), params({ tenantId })))).body.members.map((m: { email: string }) => m.email);

/** A body that yields `total` bytes in `chunk`-sized pieces, counting what the server pulled. */
function countingBody(total: number, chunk = 16 * 1024) {
  const counter = { pulled: 0, cancelled: false };
  const piece = new TextEncoder().encode("[".padEnd(chunk, " "));
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += piece.byteLength;
        controller.enqueue(piece);
      },
      cancel() {
        counter.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

function streamed(path: string, cookie: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json", ...headers },
    body,
    duplex: "half",
  } as RequestInit);
}

describe("request bodies over 64 KiB", () => {
  it("the issue's 2.4 MB body of 200,000 invalid roles: 413 in the envelope, nothing added", async () => {
    const { owner, tenantId } = await workspace();
    const raw = JSON.stringify({ email: uniqueEmail("flood"), roles: Array.from({ length: 200_000 }, () => "nope-role") });
    expect(raw.length).toBeGreaterThan(2_400_000);
    const response = await answer(POST(request("POST", `/api/tenants/${tenantId}/members`, { cookie: owner.cookie, raw }), params({ tenantId })));
    expectError(response, 413, "too_large");
    expect(response.body.error.message).toBe("the request body must be at most 64 KiB");
    expect(await memberEmails(owner.cookie, tenantId)).toEqual([owner.user.email]);
  });

  it("a 50 MB streamed body without Content-Length: 413 after reading little more than 64 KiB", async () => {
    const { owner, tenantId } = await workspace();
    const { stream, counter } = countingBody(50 * 1024 * 1024);
    const response = await answer(POST(streamed(`/api/tenants/${tenantId}/members`, owner.cookie, stream), params({ tenantId })));
    expectError(response, 413, "too_large");
    expect(counter.pulled).toBeGreaterThan(MAX_BODY_BYTES);
    expect(counter.pulled).toBeLessThan(MAX_BODY_BYTES + 256 * 1024);
    expect(counter.cancelled).toBe(true);
  });

  it("a Content-Length over the limit: 413 without reading the body at all", async () => {
    const { owner, tenantId } = await workspace();
    const { stream, counter } = countingBody(50 * 1024 * 1024);
    const declared = streamed(`/api/tenants/${tenantId}/members`, owner.cookie, stream, { "content-length": String(50 * 1024 * 1024) });
    expectError(await answer(POST(declared, params({ tenantId }))), 413, "too_large");
    expect(counter.pulled).toBe(0);
  });

  it("a Content-Length that lies low does not help: the bytes are counted", async () => {
    const { owner, tenantId } = await workspace();
    const { stream, counter } = countingBody(50 * 1024 * 1024);
    const lying = streamed(`/api/tenants/${tenantId}/members`, owner.cookie, stream, { "content-length": "20" });
    expectError(await answer(POST(lying, params({ tenantId }))), 413, "too_large");
    expect(counter.pulled).toBeLessThan(MAX_BODY_BYTES + 256 * 1024);
  });

  it("a body of exactly 64 KiB is read (and judged on its content)", async () => {
    const { owner, tenantId } = await workspace();
    const email = uniqueEmail("padded");
    const json = JSON.stringify({ email, roles: ["member"] });
    const raw = json.padEnd(MAX_BODY_BYTES, " ");
    const response = await answer(POST(request("POST", `/api/tenants/${tenantId}/members`, { cookie: owner.cookie, raw }), params({ tenantId })));
    expect(response.status).toBe(201);
    expect(response.body.member.email).toBe(email);
  });
});

describe("arrays and objects in a request", () => {
  it("roles: more than 4 is refused as one problem, before the roles are checked", async () => {
    const { owner, tenantId } = await workspace();
    const response = await answer(
      POST(
        request("POST", `/api/tenants/${tenantId}/members`, {
          cookie: owner.cookie,
          json: { email: uniqueEmail(), roles: ["member", "nope", "nope", "nope", "nope"] },
        }),
        params({ tenantId }),
      ),
    );
    expectError(response, 400, "validation");
    expect(response.body.error.fields).toEqual([{ field: "roles", message: "must list at most 4 roles" }]);
  });

  it("any array over 10 items (here 10,000 invalid roles in 60 KB) is refused as one problem, naming it", async () => {
    const { owner, tenantId } = await workspace();
    const raw = JSON.stringify({ email: uniqueEmail(), roles: Array.from({ length: 10_000 }, () => "bad") });
    expect(raw.length).toBeLessThan(MAX_BODY_BYTES);
    const response = await answer(POST(request("POST", `/api/tenants/${tenantId}/members`, { cookie: owner.cookie, raw }), params({ tenantId })));
    expectError(response, 400, "validation");
    expect(response.body.error.fields).toEqual([{ field: "roles", message: "must list at most 10 items" }]);
    expect(JSON.stringify(response.body).length).toBeLessThan(500);
    expect(await memberEmails(owner.cookie, tenantId)).toEqual([owner.user.email]);
  });

  it("objects with more than 10 fields, or nested more than 5 deep, are refused the same way", async () => {
    const { owner, tenantId } = await workspace();
    const wide = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, i]));
    const deep = { roles: [[[[["member"]]]]] };
    const add = (json: unknown) => answer(POST(request("POST", `/api/tenants/${tenantId}/members`, { cookie: owner.cookie, json }), params({ tenantId })));
    const wideAnswer = await add(wide);
    expectError(wideAnswer, 400, "validation");
    expect(wideAnswer.body.error.fields).toEqual([{ field: "body", message: "must have at most 10 fields" }]);
    const deepAnswer = await add(deep);
    expectError(deepAnswer, 400, "validation");
    expect(deepAnswer.body.error.fields).toEqual([{ field: "roles.0.0.0.0", message: "must not nest more than 5 levels deep" }]);
  });

  it("an answer lists at most 10 problems", async () => {
    const { owner, tenantId } = await workspace();
    const json = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`unknown${i}`, i]));
    const response = await answer(
      PATCH(request("PATCH", `/api/tenants/${tenantId}/members/${owner.user.id}`, { cookie: owner.cookie, json }), params({ tenantId, userId: owner.user.id })),
    );
    expectError(response, 400, "validation");
    expect(response.body.error.fields.length).toBeGreaterThan(0);
    expect(response.body.error.fields.length).toBeLessThanOrEqual(MAX_LISTED_PROBLEMS);
  });

  it("a form's roles (the pages' server actions) are measured the same way", async () => {
    const { owner, tenantId } = await workspace();
    const roles = Array.from({ length: 5_000 }, () => "member");
    await expect(addWorkspaceMember(owner.user.id, tenantId, { email: uniqueEmail(), roles })).rejects.toMatchObject({
      code: "validation",
      fields: [{ field: "roles", message: "must list at most 10 items" }],
    });
    expect(await memberEmails(owner.cookie, tenantId)).toEqual([owner.user.email]);
  });
});
