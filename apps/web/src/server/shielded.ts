import { isDataError } from "@penguinmails/db";
import { logUnexpected } from "./error-log";
import { InternalError, WebError } from "./errors";

// The server modules' boundary: refusals pass through; anything else is logged here in its
// sanitized form and replaced by an InternalError, so neither the API nor Next.js (which logs
// what a page or action throws) ever holds the driver's error, with its SQL and parameters.
export async function shielded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isDataError(error) || error instanceof WebError || error instanceof InternalError) throw error;
    logUnexpected("unexpected error", error);
    throw new InternalError();
  }
}
