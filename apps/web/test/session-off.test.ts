import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DELETE, POST } from "@/app/api/session/route";
import { GET as listTenants } from "@/app/api/tenants/route";
import { readWebEnv } from "@/env";
import { sealSession } from "@/server/session-token";
import { signInConfig } from "@/server/sign-in-config";
import { answer, expectError, request } from "./support/web";

// With the dev sign-in off (as under `next start` without AUTH_DEV_LOGIN=1) no database is
// touched: the route does not exist and no session is valid.

const SECRET = "x".repeat(32);

describe("with the development sign-in off", () => {
  it("POST and DELETE /api/session answer 404 'sign-in is not configured'", async () => {
    delete process.env.AUTH_DEV_LOGIN;
    delete process.env.SESSION_SECRET;
    const post = await answer(POST(request("POST", "/api/session", { json: { email: "a@example.test" } }), undefined));
    expectError(post, 404, "not_found");
    expect(post.body.error.message).toBe("sign-in is not configured");
    expect(post.headers.get("set-cookie")).toBeNull();
    expectError(await answer(DELETE(request("DELETE", "/api/session"), undefined)), 404, "not_found");
  });

  it("AUTH_DEV_LOGIN=0 is off too, and a secret alone signs nobody in", async () => {
    process.env.AUTH_DEV_LOGIN = "0";
    process.env.SESSION_SECRET = SECRET;
    expectError(await answer(POST(request("POST", "/api/session", { json: { email: "a@example.test" } }), undefined)), 404, "not_found");
  });

  it("everything else answers 401 (no secret means no valid session)", async () => {
    delete process.env.SESSION_SECRET;
    const cookie = `pm_session=${sealSession(crypto.randomUUID(), SECRET)}`;
    expectError(await answer(listTenants(request("GET", "/api/tenants", { cookie }), undefined)), 401, "unauthorized");
  });
});

describe("sign-in configuration", () => {
  it("is on under next dev, with the development secret kept in a file when none is set", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pm-dev-secret-")), ".data", "session-secret");
    try {
      const first = signInConfig({}, true, file);
      expect(first.devSignIn).toBe(true);
      expect(first.sessionSecret).toMatch(/^[0-9a-f]{64}$/);
      expect(fs.readFileSync(file, "utf8").trim()).toBe(first.sessionSecret);
      expect(signInConfig({}, true, file).sessionSecret).toBe(first.sessionSecret);
      expect(signInConfig({ SESSION_SECRET: SECRET }, true, file).sessionSecret).toBe(SECRET);
    } finally {
      fs.rmSync(path.dirname(path.dirname(file)), { recursive: true, force: true });
    }
  });

  it("is on under next start only with AUTH_DEV_LOGIN=1, and then requires SESSION_SECRET", () => {
    // A development secret on disk changes nothing outside next dev.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-dev-secret-"));
    const file = path.join(dir, "session-secret");
    fs.writeFileSync(file, `${"a".repeat(64)}\n`, { mode: 0o600 });
    try {
      expect(signInConfig({}, false, file)).toEqual({ devSignIn: false, sessionSecret: undefined });
      expect(signInConfig({ AUTH_DEV_LOGIN: "1", SESSION_SECRET: SECRET }, false, file)).toEqual({ devSignIn: true, sessionSecret: SECRET });
      expect(() => signInConfig({ AUTH_DEV_LOGIN: "1" }, false, file)).toThrow(/SESSION_SECRET is required when AUTH_DEV_LOGIN=1/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never follows NODE_ENV: NODE_ENV=development at run time leaves it off", async () => {
    const env = process.env as Record<string, string | undefined>;
    const saved = env.NODE_ENV;
    try {
      env.NODE_ENV = "development";
      delete process.env.AUTH_DEV_LOGIN;
      delete process.env.SESSION_SECRET;
      expect(signInConfig()).toEqual({ devSignIn: false, sessionSecret: undefined });
      expect(signInConfig(readWebEnv({ NODE_ENV: "development" }))).toEqual({ devSignIn: false, sessionSecret: undefined });
      const post = await answer(POST(request("POST", "/api/session", { json: { email: "a@example.test" } }), undefined));
      expectError(post, 404, "not_found");
    } finally {
      env.NODE_ENV = saved;
    }
  });

  it("refuses a short secret or an unknown AUTH_DEV_LOGIN value, naming the variable but not the value", () => {
    expect(() => readWebEnv({ SESSION_SECRET: "short-secret" })).toThrow(/SESSION_SECRET must be at least 32 characters/);
    expect(() => readWebEnv({ SESSION_SECRET: "short-secret" })).not.toThrow(/short-secret/);
    expect(() => readWebEnv({ AUTH_DEV_LOGIN: "yes" })).toThrow(/AUTH_DEV_LOGIN/);
    expect(readWebEnv({ AUTH_DEV_LOGIN: "", SESSION_SECRET: " " })).toMatchObject({ AUTH_DEV_LOGIN: undefined, SESSION_SECRET: undefined });
  });
});
