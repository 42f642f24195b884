import { displayEmail, emailSchema, findUserById, readAsUser, signInByEmail, textSchema, updateProfile, withUser, type User } from "@penguinmails/db";
import { z } from "zod";
import { database } from "./db";
import { parseRequestInput } from "./request-input";
import { openSession, sealSession } from "./session-token";
import { shielded } from "./shielded";
import { signInConfig } from "./sign-in-config";

// Every answer to "who is this?" comes from this module. Until real authentication lands,
// that is the development sign-in: an email is enough, and an unknown one becomes a user.

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
}

const signInSchema = z.object({ email: emailSchema }).strict();

/** Validates `input` ({ email }), finds or creates that user, and seals a session for them. */
export function devSignIn(input: unknown, secret: string): Promise<{ user: SignedInUser; token: string }> {
  return shielded(async () => {
    const { email } = parseRequestInput(signInSchema, input);
    const user = await signInByEmail(await database(), email);
    return { user: publicUser(user), token: sealSession(user.id, secret) };
  });
}

/** The live user a session token names, or null (no token, bad token, or user gone). */
export async function userFromSessionToken(token: string | undefined): Promise<SignedInUser | null> {
  const secret = signInConfig().sessionSecret;
  const session = token && secret ? openSession(token, secret) : null;
  if (!session) return null;
  const user = await shielded(async () => readAsUser(await database(), { userId: session.userId }, (tx) => findUserById(tx, session.userId)));
  return user ? publicUser(user) : null;
}

// A blank name clears it (the members table then shows none) rather than storing "".
const profileChange = z.object({ name: textSchema.transform((name) => name || null) }).strict();

/** Sets the signed-in user's own display name (the data layer's updateProfile, as that user). */
export function updateMyProfile(userId: string, input: unknown): Promise<SignedInUser> {
  return shielded(async () => {
    const { name } = parseRequestInput(profileChange, input);
    return publicUser(await withUser(await database(), { userId }, (tx) => updateProfile(tx, { name })));
  });
}

function publicUser(user: User): SignedInUser {
  return { id: user.id, email: displayEmail(user.email), name: user.name };
}
