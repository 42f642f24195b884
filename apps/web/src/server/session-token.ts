import { createHmac, timingSafeEqual } from "node:crypto";
import { idSchema } from "@penguinmails/db";

// A session token: `v1.<payload>.<signature>`, the payload base64url JSON `{"sub","exp"}`
// (user id, expiry in Unix seconds) and the signature base64url HMAC-SHA256 over
// `v1.<payload>` with the session secret. Stateless: signing out clears the cookie.

export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
const VERSION = "v1";

export interface Session {
  userId: string;
  /** Unix seconds */
  expires: number;
}

export function sealSession(userId: string, secret: string, now: Date = new Date()): string {
  const expires = Math.floor(now.getTime() / 1000) + SESSION_TTL_SECONDS;
  const payload = Buffer.from(JSON.stringify({ sub: userId, exp: expires })).toString("base64url");
  return `${VERSION}.${payload}.${sign(`${VERSION}.${payload}`, secret)}`;
}

/** The session in a token, or null when it is malformed, forged or expired. */
export function openSession(token: string, secret: string, now: Date = new Date()): Session | null {
  const [version, payload, signature, ...rest] = token.split(".");
  if (version !== VERSION || !payload || !signature || rest.length > 0) return null;
  const expected = Buffer.from(sign(`${version}.${payload}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;

  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const { sub, exp } = (claims ?? {}) as { sub?: unknown; exp?: unknown };
  const userId = idSchema.safeParse(sub);
  if (!userId.success || typeof exp !== "number" || exp <= now.getTime() / 1000) return null;
  return { userId: userId.data, expires: exp };
}

function sign(data: string, secret: string): string {
  return createHmac("sha256", secret).update(data).digest("base64url");
}
