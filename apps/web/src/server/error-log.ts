import { identifyError, type ErrorIdentity } from "@penguinmails/db";

// What the web app logs about an error it did not expect. Drivers put failed SQL, its
// parameters and row values into messages and details, so a log line carries only each
// error's class, code (SQLSTATE or the driver's) and constraint name (@penguinmails/db's
// identifyError, as the worker's log), and the stack's frames.

export interface LoggedError {
  errors: ErrorIdentity[];
  at: string[];
}

const MAX_CAUSES = 5;
const MAX_FRAMES = 8;

export function describeForLog(error: unknown): LoggedError {
  const errors: LoggedError["errors"] = [];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES && current !== undefined && current !== null; depth++) {
    errors.push(identifyError(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return { errors, at: frames(error) };
}

/** One line on stderr: `[web] <event> {"errors":[…],"at":[…]}`. */
export function logUnexpected(event: string, error: unknown): void {
  console.error(`[web] ${event} ${JSON.stringify(describeForLog(error))}`);
}

// The frames after the message; a stack that does not contain its message (changed after
// the error was made) is left out whole rather than risk logging the message.
function frames(error: unknown): string[] {
  if (!(error instanceof Error) || typeof error.stack !== "string") return [];
  const end = error.message ? error.stack.indexOf(error.message) : 0;
  if (end < 0) return [];
  return error.stack
    .slice(end + error.message.length)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("at "))
    .slice(0, MAX_FRAMES);
}
