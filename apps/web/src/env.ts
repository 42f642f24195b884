import { readEnv } from "@penguinmails/db";
import { z } from "zod";

// The web app's configuration, read here and nowhere else. It is read when first needed,
// not at import, so `next build` never depends on runtime secrets. The database URL is
// the db package's to read (connect()). Read through @penguinmails/db's readEnv: values
// trimmed, blank ones unset, errors that never echo a value (one of them is a secret).

/**
 * Whether this code was compiled by `next dev`. Next.js replaces this exact expression when it
 * compiles the app ("development" only in `next dev`'s bundles), so NODE_ENV at run time
 * (`NODE_ENV=development next start`) cannot change it. False under vitest.
 */
export const COMPILED_BY_NEXT_DEV = process.env.NODE_ENV === "development";

// NODE_ENV is deliberately not read at run time: nothing may follow it.
const schema = z.object({
  /** "1" turns the development sign-in on under `next start` */
  AUTH_DEV_LOGIN: z.enum(["0", "1"], { message: 'must be "1" (on) or "0" (off)' }).optional(),
  /** HMAC key for session cookies */
  SESSION_SECRET: z.string().min(32, { message: "must be at least 32 characters (try: openssl rand -hex 32)" }).optional(),
  /** a request's bound on each database context (seconds): past it, 503 `unavailable` */
  DATABASE_REQUEST_TIMEOUT_SECONDS: z.coerce
    .number({ message: "must be a whole number of seconds" })
    .int({ message: "must be a whole number of seconds" })
    .min(1, { message: "must be at least 1" })
    .max(600, { message: "must be at most 600" })
    .default(5),
  /** set by Next.js while it builds ("phase-production-build") */
  NEXT_PHASE: z.string().optional(),
});

export type WebEnv = z.infer<typeof schema>;

export function readWebEnv(source: Record<string, string | undefined> = process.env): WebEnv {
  return readEnv(schema, source);
}
