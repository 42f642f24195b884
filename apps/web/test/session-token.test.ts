import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openSession, sealSession, SESSION_TTL_SECONDS } from "@/server/session-token";

const SECRET = "s".repeat(40);
const USER = "0b7e5a8e-4d43-4f4c-9a43-1c3f4f7c2d10";

describe("session tokens", () => {
  it("open to the user and expiry they were sealed with", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const session = openSession(sealSession(USER, SECRET, now), SECRET, now);
    expect(session).toEqual({ userId: USER, expires: now.getTime() / 1000 + SESSION_TTL_SECONDS });
  });

  it("do not open with another secret, after expiry, or altered in any part", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const token = sealSession(USER, SECRET, now);
    const [version, payload, signature] = token.split(".") as [string, string, string];
    const later = new Date(now.getTime() + SESSION_TTL_SECONDS * 1000);
    expect(openSession(token, `${SECRET}x`, now)).toBeNull();
    expect(openSession(token, SECRET, later)).toBeNull();
    expect(openSession(`v2.${payload}.${signature}`, SECRET, now)).toBeNull();
    expect(openSession(`${version}.${payload}x.${signature}`, SECRET, now)).toBeNull();
    expect(openSession(`${version}.${payload}.${signature}.x`, SECRET, now)).toBeNull();
    expect(openSession("", SECRET, now)).toBeNull();
  });

  it("follow the documented format, and do not open when the signed claims are not a user id and a future expiry", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const exp = now.getTime() / 1000 + 60;
    const byHand = (claims: unknown) => {
      const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
      return `v1.${payload}.${createHmac("sha256", SECRET).update(`v1.${payload}`).digest("base64url")}`;
    };
    expect(openSession(byHand({ sub: USER, exp }), SECRET, now)).toEqual({ userId: USER, expires: exp });
    expect(openSession(byHand({ sub: "not-a-uuid", exp }), SECRET, now)).toBeNull();
    expect(openSession(byHand({ sub: USER }), SECRET, now)).toBeNull();
    expect(openSession(byHand({ sub: USER, exp: String(exp) }), SECRET, now)).toBeNull();
    expect(openSession(byHand(null), SECRET, now)).toBeNull();
  });
});
