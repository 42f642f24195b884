import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { userFromSessionToken, type SignedInUser } from "./identity";
import { cameOverHttps, SESSION_COOKIE } from "./session-cookie";

// The signed-in user for pages and server actions (they read cookies through next/headers;
// route handlers read the request instead). Cached per request: layout and page share it.

export const currentUser = cache(async (): Promise<SignedInUser | null> => {
  return userFromSessionToken((await cookies()).get(SESSION_COOKIE)?.value);
});

/** The signed-in user, or a redirect to the sign-in page. */
export async function requireSignedIn(): Promise<SignedInUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}

export async function requestIsHttps(): Promise<boolean> {
  return cameOverHttps(await headers());
}
