import { ConfigError } from "@penguinmails/db";
import { COMPILED_BY_NEXT_DEV, readWebEnv, type WebEnv } from "../env";
import { readOrCreateDevSecret } from "./dev-secret";

// Whether the development sign-in is on, and the key that signs session cookies. On under
// `next dev` (known from the build, never from NODE_ENV); otherwise only with
// AUTH_DEV_LOGIN=1, and then SESSION_SECRET is required. Read on each use (it is cheap), so
// a test can change the environment. Under `next dev` without SESSION_SECRET the key is the
// development secret kept in .data/session-secret, so a restart signs nobody out.

export interface SignInConfig {
  /** POST /api/session and the sign-in page accept an email */
  devSignIn: boolean;
  /** HMAC key for session cookies; undefined means no session is valid */
  sessionSecret: string | undefined;
}

export function signInConfig(
  env: Pick<WebEnv, "AUTH_DEV_LOGIN" | "SESSION_SECRET"> = readWebEnv(),
  nextDev: boolean = COMPILED_BY_NEXT_DEV,
  devSecretFile?: string,
): SignInConfig {
  const development = nextDev;
  const devSignIn = development || env.AUTH_DEV_LOGIN === "1";
  if (devSignIn && !development && !env.SESSION_SECRET) {
    throw new ConfigError("SESSION_SECRET is required when AUTH_DEV_LOGIN=1 (at least 32 characters; try: openssl rand -hex 32)");
  }
  return { devSignIn, sessionSecret: env.SESSION_SECRET ?? (development ? developmentSecret(devSecretFile) : undefined) };
}

// Read once per dev server process (kept on globalThis, which hot reloads keep), not per request.
const holder = globalThis as typeof globalThis & { penguinmailsDevSessionSecret?: string };

function developmentSecret(file: string | undefined): string {
  if (file) return readOrCreateDevSecret(file);
  holder.penguinmailsDevSessionSecret ??= readOrCreateDevSecret();
  return holder.penguinmailsDevSessionSecret;
}
