import { isDataError, type DataErrorCode, type FieldProblem } from "@penguinmails/db";
import { logUnexpected } from "./error-log";

// The one mapping from errors to what people and clients see. Data-layer codes keep their
// meaning; the web adds `unauthorized` (no valid session), `method_not_allowed`, `too_large`
// (a body over the limit) and `internal` (anything else, logged here in a sanitized form, never described: no
// causes, SQL or stack traces leave the server).

export type PublicErrorCode = DataErrorCode | "unauthorized" | "method_not_allowed" | "too_large" | "internal";

export interface PublicError {
  status: number;
  code: PublicErrorCode;
  message: string;
  fields?: FieldProblem[];
}

const STATUS: Record<PublicErrorCode, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  too_large: 413,
  internal: 500,
  unavailable: 503,
};

/** An error the web layer raises itself with a status-bearing code. */
export class WebError extends Error {
  override name = "WebError";
  constructor(
    readonly code: Exclude<PublicErrorCode, "internal">,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** At most this many field problems are listed in one answer. */
export const MAX_LISTED_PROBLEMS = 10;

/** An unexpected failure that was already logged (sanitized) where it happened. */
export class InternalError extends Error {
  override name = "InternalError";
  constructor() {
    super("something went wrong; please try again");
  }
}

export function toPublicError(error: unknown): PublicError {
  // The cause's code only (a driver or SQLSTATE code): enough to tell an outage from a bug.
  if (isDataError(error, "unavailable")) console.error(`[web] database unavailable: ${causeCode(error)}`);
  if (isDataError(error) || error instanceof WebError) {
    const fields = error.fields.slice(0, MAX_LISTED_PROBLEMS).map(({ field, message }) => ({ field, message }));
    const message = error.fields.length > MAX_LISTED_PROBLEMS ? boundedMessage(fields, error.fields.length) : error.message;
    return { status: STATUS[error.code], code: error.code, message, ...(fields.length ? { fields } : {}) };
  }
  if (!(error instanceof InternalError)) logUnexpected("unexpected error", error);
  return { status: STATUS.internal, code: "internal", message: "something went wrong; please try again" };
}

export function errorResponse(error: unknown): Response {
  const { status, ...body } = toPublicError(error);
  return Response.json({ error: body }, { status });
}

function causeCode(error: Error): string {
  let current: unknown = error.cause;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ("code" in current) return String(current.code);
    current = current.cause;
  }
  return "unknown";
}

function boundedMessage(listed: FieldProblem[], total: number): string {
  const summary = listed.map(({ field, message }) => `${field} ${message}`).join("; ");
  return `invalid input: ${summary}; and ${total - listed.length} more`;
}
