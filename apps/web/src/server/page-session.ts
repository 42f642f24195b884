import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { WebError } from "./errors";
import { userFromSessionToken, type SignedInUser } from "./identity";
import { cameOverHttps, readSessionCookie } from "./session-cookie";

// The signed-in user for pages and server actions. They read the raw Cookie header, as route
// handlers do, because next/headers' cookies() keeps one of several same-named cookies and
// several must be refused. Cached per request: layout and page share it.

export interface PageSession {
  user: SignedInUser | null;
  /** more than one session cookie came: nobody is signed in, and the sign-in page says why */
  ambiguous: boolean;
}

export const pageSession = cache(async (): Promise<PageSession> => {
  let token: string | undefined;
  try {
    token = readSessionCookie((await headers()).get("cookie"));
  } catch (error) {
    if (error instanceof WebError) return { user: null, ambiguous: true };
    throw error;
  }
  return { user: await userFromSessionToken(token), ambiguous: false };
});

export async function currentUser(): Promise<SignedInUser | null> {
  return (await pageSession()).user;
}

/** The signed-in user, or a redirect to the sign-in page. */
export async function requireSignedIn(): Promise<SignedInUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}

export async function requestIsHttps(): Promise<boolean> {
  return cameOverHttps(await headers());
}
