import { expect, inject, it } from "vitest";

// What only the real server shows: Next.js's own answers (a path it cannot decode, a method
// a route lacks, a path no route serves) are the JSON envelope too; the body limit holds over
// HTTP; and pages refuse two session cookies as the API does.

const baseURL = inject("baseURL");

async function envelope(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(await response.json()).toMatchObject({ error: { code, message: expect.any(String) } });
}

it("a malformed %-escape is a JSON 400, on API routes and pages alike", async () => {
  await envelope(await fetch(`${baseURL}/api/tenants/%ff/members`), 400, "validation");
  await envelope(
    await fetch(`${baseURL}/api/tenants/%E0%A4%A/members`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    400,
    "validation",
  );
  await envelope(await fetch(`${baseURL}/workspaces/%ff`), 400, "validation");
  // A valid escape is decoded and routed as usual.
  await envelope(await fetch(`${baseURL}/api/tenants/%41/members`), 401, "unauthorized");
});

it("a method a route does not have is a JSON 405 with Allow", async () => {
  const put = await fetch(`${baseURL}/api/tenants`, { method: "PUT" });
  expect(put.headers.get("allow")).toBe("GET, POST");
  await envelope(put, 405, "method_not_allowed");
  await envelope(await fetch(`${baseURL}/api/health`, { method: "POST" }), 405, "method_not_allowed");
  await envelope(await fetch(`${baseURL}/api/session`, { method: "GET" }), 405, "method_not_allowed");
  await envelope(await fetch(`${baseURL}/api/tenants/${crypto.randomUUID()}/members/${crypto.randomUUID()}`, { method: "GET" }), 405, "method_not_allowed");
});

it("an /api path no route serves is a JSON 404", async () => {
  await envelope(await fetch(`${baseURL}/api/nothing-here`), 404, "not_found");
  await envelope(await fetch(`${baseURL}/api`), 404, "not_found");
  await envelope(await fetch(`${baseURL}/api/tenants/${crypto.randomUUID()}`, { method: "DELETE" }), 404, "not_found");
});

it("a body over 64 KiB is a JSON 413", async () => {
  const body = JSON.stringify({ email: "flood@example.test", roles: Array.from({ length: 200_000 }, () => "nope-role") });
  await envelope(await fetch(`${baseURL}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body }), 413, "too_large");
});

it("two pm_session cookies: the API answers 401 and the pages treat the visitor as signed out, saying why", async () => {
  const signIn = async (email: string) => {
    const response = await fetch(`${baseURL}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
    expect(response.status).toBe(200);
    return response.headers.get("set-cookie")!.split(";")[0]!;
  };
  const [alice, bob] = [await signIn(`alice-${crypto.randomUUID()}@example.test`), await signIn(`bob-${crypto.randomUUID()}@example.test`)];
  const both = `${alice}; ${bob}`;
  expect((await fetch(`${baseURL}/workspaces`, { headers: { cookie: alice }, redirect: "manual" })).status).toBe(200);

  const api = await fetch(`${baseURL}/api/tenants`, { headers: { cookie: both } });
  await envelope(api, 401, "unauthorized");
  const page = await fetch(`${baseURL}/workspaces`, { headers: { cookie: both }, redirect: "manual" });
  expect(page.status).toBe(307);
  expect(page.headers.get("location")).toMatch(/\/sign-in$/);
  const signInPage = await (await fetch(`${baseURL}/sign-in`, { headers: { cookie: `${bob}; ${alice}` } })).text();
  expect(signInPage).toContain("Your browser sent more than one session cookie, so none was used.");
  expect(signInPage).not.toContain("Signed in as");
});
