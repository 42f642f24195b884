import { WebError } from "./errors";
import { SESSION_TTL_SECONDS } from "./session-token";

// The session cookie's name and attributes, shared by the API (Set-Cookie headers) and the
// pages (next/headers cookies()). httpOnly keeps it from scripts; SameSite=Lax keeps it off
// cross-site POSTs; Secure whenever the request came over HTTPS.

export const SESSION_COOKIE = "pm_session";

export interface CookieOptions {
  httpOnly: true;
  sameSite: "lax";
  path: "/";
  maxAge: number;
  secure: boolean;
}

export function sessionCookieOptions(secure: boolean, maxAge = SESSION_TTL_SECONDS): CookieOptions {
  return { httpOnly: true, sameSite: "lax", path: "/", maxAge, secure };
}

/** A Set-Cookie header value (the token is base64url and dots: nothing to escape). */
export function setCookieHeader(value: string, options: CookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${value}`, `Path=${options.path}`, `Max-Age=${options.maxAge}`, "HttpOnly", "SameSite=Lax"];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookieHeader(secure: boolean): string {
  return setCookieHeader("", sessionCookieOptions(secure, 0));
}

export const AMBIGUOUS_SESSION_MESSAGE = "more than one pm_session cookie was sent, so none is used; sign out or clear this site's cookies, then sign in again";

/**
 * The session cookie's value in a Cookie request header, if any. Several (a cookie set for
 * another path or a parent domain, say) are ambiguous: a 401, whichever would have won.
 */
export function readSessionCookie(cookieHeader: string | null): string | undefined {
  const values: string[] = [];
  for (const pair of (cookieHeader ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === SESSION_COOKIE) values.push(pair.slice(at + 1).trim());
  }
  if (values.length > 1) throw new WebError("unauthorized", AMBIGUOUS_SESSION_MESSAGE);
  return values[0];
}

/** Whether the request reached us over HTTPS (directly or through a proxy that says so). */
export function cameOverHttps(headers: Headers, url?: string): boolean {
  const forwarded = headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  if (forwarded) return forwarded === "https";
  return url ? new URL(url).protocol === "https:" : false;
}
