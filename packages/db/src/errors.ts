// The one error type the data layer throws. `code` is what callers branch on (web maps it
// to an HTTP status, the worker to a log level); `message` is for people and never carries
// SQL, parameters or another tenant's values.

/** `unavailable`: the database could not serve the request (down, restarting, connection lost, too slow); retrying later may work */
export type DataErrorCode = "validation" | "not_found" | "conflict" | "forbidden" | "unavailable";

export interface FieldProblem {
  /** dotted path of the offending input field, e.g. "email" or "roles.1" */
  field: string;
  message: string;
}

export class DataError extends Error {
  override name = "DataError";

  constructor(
    readonly code: DataErrorCode,
    message: string,
    readonly fields: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDataError(error: unknown, code?: DataErrorCode): error is DataError {
  return error instanceof DataError && (code === undefined || error.code === code);
}
