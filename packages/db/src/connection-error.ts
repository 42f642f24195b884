// One line that names what failed to connect, for CLIs and health checks. It is built
// from the URL's host, port and database only, so a password can never reach a log.

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET", "CONNECT_TIMEOUT"]);

// The server is away or going: the network, the driver's lost connections, SQLSTATE class 08
// (connection), 57P01-57P03 (shutting down, crashed, starting) and 53300 (no free slot).
const UNAVAILABLE_CODES = new Set([
  ...NETWORK_CODES,
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);

/** True when `error` (or its cause, as Drizzle wraps driver errors) says the database is unreachable. */
export function isConnectionFailure(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = "code" in current ? String(current.code) : "";
    if (UNAVAILABLE_CODES.has(code) || code.startsWith("08")) return true;
    current = "cause" in current ? current.cause : undefined;
  }
  return false;
}

export function describeDatabaseError(error: unknown, url: string): string {
  const where = describeTarget(url);
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
  if (code && NETWORK_CODES.has(code)) return `cannot reach PostgreSQL at ${where} (${code})`;
  if (code === "28P01" || code === "28000") return `PostgreSQL at ${where} refused the credentials (${code})`;
  if (code === "3D000") return `database does not exist at ${where} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  return `${message}${code ? ` (${code})` : ""} [${where}]`;
}

export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || "5432";
    return `${parsed.hostname}:${port}${parsed.pathname || "/"}`;
  } catch {
    return "an unparseable URL";
  }
}

/** An error as a log may name it: class, code and constraint, never message, detail or values. */
export interface ErrorIdentity {
  /** the error's class name ("Error" when it is not a plain identifier); typeof for a non-Error */
  name: string;
  /** the driver's code or SQLSTATE, when it has the shape of one */
  code?: string;
  /** the constraint PostgreSQL named, when it has the shape of an identifier */
  constraint?: string;
}

/**
 * What apps log about a database (or any) error: drivers put failed SQL, its parameters and
 * row values into messages and details, so only these fields are read, and only when each
 * looks like what it should be. (Not the cause chain: callers walk it as they need.)
 */
export function identifyError(error: unknown): ErrorIdentity {
  const fields = typeof error === "object" && error !== null ? (error as { name?: unknown; code?: unknown; constraint_name?: unknown }) : {};
  const name = error instanceof Error ? (matching(fields.name, /^[A-Za-z_$][\w$]{0,63}$/) ?? "Error") : typeof error;
  const code = matching(fields.code, /^[A-Z0-9_]{1,40}$/);
  const constraint = matching(fields.constraint_name, /^[A-Za-z_][\w$]{0,62}$/);
  return { name, ...(code ? { code } : {}), ...(constraint ? { constraint } : {}) };
}

function matching(value: unknown, pattern: RegExp): string | undefined {
  return typeof value === "string" && pattern.test(value) ? value : undefined;
}
