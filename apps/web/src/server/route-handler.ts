import { errorResponse, WebError } from "./errors";
import { readSessionCookie } from "./session-cookie";
import { userFromSessionToken, type SignedInUser } from "./identity";

// Route handlers are wrapped once so every failure, expected or not, becomes the JSON error
// envelope with the status from errors.ts.

export function handler<Context>(work: (request: Request, context: Context) => Promise<Response>) {
  return async (request: Request, context: Context): Promise<Response> => {
    try {
      return await work(request, context);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** The signed-in user making the request, or a 401. */
export async function requireUser(request: Request): Promise<SignedInUser> {
  const user = await userFromSessionToken(readSessionCookie(request.headers.get("cookie")));
  if (!user) throw new WebError("unauthorized", "sign in first");
  return user;
}
