import { softDeleteUser, withUser } from "@penguinmails/db";
import { describe, expect, it } from "vitest";
import { DELETE, POST } from "@/app/api/session/route";
import { GET as listTenants } from "@/app/api/tenants/route";
import { sealSession } from "@/server/session-token";
import { answer, expectError, request, SECRET, signIn, uniqueEmail, setUpWebTestDatabase } from "./support/web";

const world = setUpWebTestDatabase();

describe("POST /api/session", () => {
  it("signs a new email in: 200, the user, and an httpOnly SameSite=Lax signed cookie", async () => {
    const email = uniqueEmail("new");
    const response = await answer(POST(request("POST", "/api/session", { json: { email } }), undefined));
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ id: expect.any(String), email, name: null });
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^pm_session=v1\.[\w-]+\.[\w-]+; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/");
    expect(cookie).not.toContain("Secure");

    const tenants = await answer(listTenants(request("GET", "/api/tenants", { cookie: cookie.split(";")[0] }), undefined));
    expect(tenants.status).toBe(200);
  });

  it("signs a known email in as the same user, whatever its case and spacing", async () => {
    const email = uniqueEmail("known");
    const first = await signIn(email);
    const again = await signIn(`  ${email.toUpperCase()} `);
    expect(again.user.id).toBe(first.user.id);
  });

  it("signs an internationalized address in; its Unicode and punycode spellings are one account, shown in Unicode", async () => {
    const who = `jürgen-${crypto.randomUUID().slice(0, 8)}`;
    const first = await signIn(`${who}@bücher.de`);
    expect(first.user.email).toBe(`${who}@bücher.de`);
    const again = await signIn(`${who}@xn--bcher-kva.de`);
    expect(again.user.id).toBe(first.user.id);
    const chinese = await signIn(`用户-${crypto.randomUUID().slice(0, 8)}@example.com`);
    expect(chinese.user.email).toMatch(/^用户-/);
  });

  it("marks the cookie Secure when the request came over HTTPS", async () => {
    const secure = new Request("https://example.test/api/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: uniqueEmail() }),
    });
    const response = await POST(secure, undefined);
    expect(response.headers.get("set-cookie")).toContain("Secure");
  });

  it("answers 400 with the field for an invalid email", async () => {
    const response = await answer(POST(request("POST", "/api/session", { json: { email: "not an email" } }), undefined));
    expectError(response, 400, "validation");
    expect(response.body.error.fields).toEqual([{ field: "email", message: expect.any(String) }]);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("answers 400 for a missing email, unknown fields, a non-object body", async () => {
    for (const json of [{}, { email: uniqueEmail(), admin: true }, [uniqueEmail()], "x", null]) {
      expectError(await answer(POST(request("POST", "/api/session", { json }), undefined)), 400, "validation");
    }
  });

  it("answers 400, never 500, for malformed JSON, a wrong content type or no body", async () => {
    const cases = [
      request("POST", "/api/session", { raw: '{"email":' }),
      request("POST", "/api/session", { raw: `email=${uniqueEmail()}`, contentType: "application/x-www-form-urlencoded" }),
      request("POST", "/api/session", { raw: JSON.stringify({ email: uniqueEmail() }), contentType: "text/plain" }),
      request("POST", "/api/session"),
    ];
    for (const bad of cases) expectError(await answer(POST(bad, undefined)), 400, "validation");
  });
});

describe("DELETE /api/session", () => {
  it("answers 204 and clears the cookie", async () => {
    const { cookie } = await signIn();
    const response = await answer(DELETE(request("DELETE", "/api/session", { cookie }), undefined));
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(response.headers.get("set-cookie")).toMatch(/^pm_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax/);
  });

  it("answers 204 without a session too (signing out twice is fine)", async () => {
    expect((await DELETE(request("DELETE", "/api/session"), undefined)).status).toBe(204);
  });
});

describe("a session", () => {
  const tenantsWith = (cookie: string) => answer(listTenants(request("GET", "/api/tenants", { cookie }), undefined));

  it("is refused (401) when tampered with, signed with another key, expired, or garbage", async () => {
    const { cookie, user } = await signIn();
    const [name, token] = cookie.split("=") as [string, string];
    const [version, payload, signature] = token.split(".") as [string, string, string];
    const otherPayload = Buffer.from(JSON.stringify({ sub: crypto.randomUUID(), exp: 4102444800 })).toString("base64url");
    const lastWeek = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    const refused = [
      `${name}=${version}.${otherPayload}.${signature}`,
      `${name}=${version}.${payload}.${signature.slice(0, -2)}AA`,
      `${name}=${sealSession(user.id, "another-secret-that-is-long-enough-000")}`,
      `${name}=${sealSession(user.id, SECRET, lastWeek)}`,
      `${name}=garbage`,
      `${name}=`,
      "other=1",
    ];
    for (const bad of refused) expectError(await tenantsWith(bad), 401, "unauthorized");
    expect((await tenantsWith(cookie)).status).toBe(200);
  });

  it("is refused (401, saying why) when two pm_session cookies come, in either order, even the same one twice", async () => {
    const alice = await signIn(uniqueEmail("alice"));
    const bob = await signIn(uniqueEmail("bob"));
    for (const cookie of [
      `${alice.cookie}; ${bob.cookie}`,
      `${bob.cookie}; other=1; ${alice.cookie}`,
      `${alice.cookie}; ${alice.cookie}`,
      `${alice.cookie}; pm_session=`,
    ]) {
      const response = await tenantsWith(cookie);
      expectError(response, 401, "unauthorized");
      expect(response.body.error.message).toMatch(/^more than one pm_session cookie was sent/);
    }
    expect((await tenantsWith(`other=1; ${alice.cookie}`)).status).toBe(200);
  });

  it("ends when its user is deleted", async () => {
    const { cookie, user } = await signIn();
    await withUser(world().client.db, { userId: user.id }, (tx) => softDeleteUser(tx));
    expectError(await tenantsWith(cookie), 401, "unauthorized");
  });
});
