import { isDataError, type DataErrorCode, type FieldProblem } from "@penguinmails/db";

// The one mapping from errors to what people and clients see. Data-layer codes keep their
// meaning; the web adds `unauthorized` (no valid session) and `internal` (anything else,
// logged here, never described: no causes, SQL or stack traces leave the server).

export type PublicErrorCode = DataErrorCode | "unauthorized" | "internal";

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
  conflict: 409,
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

export function toPublicError(error: unknown): PublicError {
  // The cause's code only (a driver or SQLSTATE code): enough to tell an outage from a bug.
  if (isDataError(error, "unavailable")) console.error(`[web] database unavailable: ${causeCode(error)}`);
  if (isDataError(error) || error instanceof WebError) {
    const fields = error.fields.map(({ field, message }) => ({ field, message }));
    return { status: STATUS[error.code], code: error.code, message: error.message, ...(fields.length ? { fields } : {}) };
  }
  console.error("[web] unexpected error", error);
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
