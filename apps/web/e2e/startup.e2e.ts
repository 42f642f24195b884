import { readFileSync } from "node:fs";
import { freePort } from "@penguinmails/db/testing";
import { expect, it } from "vitest";
import { exited, startNext, stopNext, waitFor } from "./next-server";

// How `next start` treats the development sign-in. No database is needed: the URL points at
// a port nobody listens on, and nothing here signs anyone in.

const noDatabase = async () => `postgres://nobody@127.0.0.1:${await freePort()}/none`;

it("refuses to start with AUTH_DEV_LOGIN=1 and no SESSION_SECRET, saying why", async () => {
  const server = startNext("next-start-no-secret", await freePort(), {
    DATABASE_URL: await noDatabase(),
    AUTH_DEV_LOGIN: "1",
    SESSION_SECRET: undefined,
  });
  try {
    expect(await exited(server)).toBe(1);
    expect(readFileSync(server.log, "utf8")).toContain("SESSION_SECRET is required when AUTH_DEV_LOGIN=1");
  } finally {
    await stopNext(server);
  }
});

// Sign-in off: with no AUTH_DEV_LOGIN at all, and with NODE_ENV=development under next start,
// which must not turn the development sign-in on (it is decided at build time).
it.each([
  { label: "without AUTH_DEV_LOGIN", name: "next-start-sign-in-off", env: {} },
  { label: "with NODE_ENV=development under next start", name: "next-start-node-env-development", env: { NODE_ENV: "development" } },
])("$label, says sign-in is not configured and answers 404 at /api/session, setting no cookie", async ({ name, env }) => {
  const server = startNext(name, await freePort(), {
    DATABASE_URL: await noDatabase(),
    ...env,
    AUTH_DEV_LOGIN: undefined,
    SESSION_SECRET: undefined,
  });
  try {
    await waitFor(server, "/sign-in", (status) => status === 200);
    expect(await (await fetch(`${server.baseURL}/sign-in`)).text()).toContain("Sign-in is not configured on this server.");
    const signIn = await fetch(`${server.baseURL}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "someone@example.test" }),
    });
    expect(signIn.status).toBe(404);
    expect(signIn.headers.get("set-cookie")).toBeNull();
    expect(await signIn.json()).toEqual({ error: { code: "not_found", message: "sign-in is not configured" } });
    expect((await fetch(`${server.baseURL}/api/tenants`)).status).toBe(401);
  } finally {
    await stopNext(server);
  }
});
