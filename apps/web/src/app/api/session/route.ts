import { WebError } from "@/server/errors";
import { devSignIn } from "@/server/identity";
import { methodNotAllowed } from "@/server/other-methods";
import { readJsonBody } from "@/server/request-body";
import { handler } from "@/server/route-handler";
import { cameOverHttps, clearCookieHeader, sessionCookieOptions, setCookieHeader } from "@/server/session-cookie";
import { signInConfig } from "@/server/sign-in-config";

// Development sign-in and sign-out. With the dev sign-in off, this route does not exist (404).

export const POST = handler(async (request: Request) => {
  const config = requireDevSignIn();
  const body = await readJsonBody(request);
  const { user, token } = await devSignIn(body, config.sessionSecret!);
  const cookie = setCookieHeader(token, sessionCookieOptions(cameOverHttps(request.headers, request.url)));
  return Response.json({ user }, { headers: { "set-cookie": cookie } });
});

// Signing out needs no valid session: it only clears the cookie.
// (handler() catches what requireDevSignIn throws, as it would a rejection.)
export const DELETE = handler((request: Request) => {
  requireDevSignIn();
  return Promise.resolve(new Response(null, { status: 204, headers: { "set-cookie": clearCookieHeader(cameOverHttps(request.headers, request.url)) } }));
});

function requireDevSignIn() {
  const config = signInConfig();
  if (!config.devSignIn || !config.sessionSecret) throw new WebError("not_found", "sign-in is not configured");
  return config;
}

const other = methodNotAllowed("POST", "DELETE");
export const GET = other;
export const PUT = other;
export const PATCH = other;
