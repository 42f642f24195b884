import { randomBytes } from "node:crypto";
import { COMPILED_BY_NEXT_DEV, readWebEnv, WebConfigError, type WebEnv } from "../env";

// Whether the development sign-in is on, and the key that signs session cookies. On under
// `next dev` (known from the build, never from NODE_ENV); otherwise only with
// AUTH_DEV_LOGIN=1, and then SESSION_SECRET is required. Read on each use (it is cheap), so
// a test can change the environment.

export interface SignInConfig {
  /** POST /api/session and the sign-in page accept an email */
  devSignIn: boolean;
  /** HMAC key for session cookies; undefined means no session is valid */
  sessionSecret: string | undefined;
}

export function signInConfig(env: Pick<WebEnv, "AUTH_DEV_LOGIN" | "SESSION_SECRET"> = readWebEnv(), nextDev: boolean = COMPILED_BY_NEXT_DEV): SignInConfig {
  const development = nextDev;
  const devSignIn = development || env.AUTH_DEV_LOGIN === "1";
  if (devSignIn && !development && !env.SESSION_SECRET) {
    throw new WebConfigError(
      "SESSION_SECRET is required when AUTH_DEV_LOGIN=1 (at least 32 characters; try: openssl rand -hex 32)",
    );
  }
  return { devSignIn, sessionSecret: env.SESSION_SECRET ?? (development ? developmentSecret() : undefined) };
}

// One random key per dev server process, kept on globalThis so hot reloads keep sessions.
const holder = globalThis as typeof globalThis & { penguinmailsDevSessionSecret?: string };

function developmentSecret(): string {
  holder.penguinmailsDevSessionSecret ??= randomBytes(32).toString("hex");
  return holder.penguinmailsDevSessionSecret;
}
