import { DrizzleQueryError } from "drizzle-orm/errors";

/** The driver's own error under drizzle's wrapper (DrizzleQueryError keeps it as `cause`), or the error itself. */
export function driverError(error: unknown): unknown {
  return error instanceof DrizzleQueryError ? error.cause : error;
}
