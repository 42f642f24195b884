import { describeDatabaseError, isConnectionFailure, isDataError } from "@penguinmails/db";
import pino from "pino";

// One JSON line per event on stdout. Events carry job names, durations and counts; rows'
// contents (emails, names) never reach a log, and neither do a failed query's parameters.

export type Logger = pino.Logger;

export function createLogger(level: pino.LevelWithSilent = "info"): Logger {
  // Synchronous writes, so the last lines are out before process.exit.
  return pino(
    {
      level,
      base: { service: "worker" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

export interface ErrorSummary {
  /** the driver's or the database's code, when there is one */
  code: string | undefined;
  /** one line for people; for a database error, the database's own message */
  message: string;
  /** the database is unreachable or restarting (as opposed to a bug or a bad schema) */
  unavailable: boolean;
}

/** What went wrong, without the query text or parameters Drizzle's error wrapper carries. */
export function summarizeError(error: unknown, databaseUrl?: string): ErrorSummary {
  const inner = innermost(error);
  const code = typeof inner === "object" && inner !== null && "code" in inner ? String(inner.code) : undefined;
  // The db package's one classification: lost connections and contexts past their deadline.
  const unavailable = isDataError(error, "unavailable") || isConnectionFailure(error);
  const message = databaseUrl && unavailable ? describeDatabaseError(inner, databaseUrl) : messageOf(inner, code);
  return { code, message, unavailable };
}

// DrizzleQueryError (and our own wrappers) keep the driver's error as `cause`.
function innermost(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) current = current.cause;
  return current;
}

// A missing table, or a missing role (cluster-wide on a server, so only a new one lacks it).
function messageOf(error: unknown, code: string | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const unmigrated = code === "42P01" || /role "penguinmails_\w+" does not exist/.test(message);
  return unmigrated ? `${message}: is the database migrated? (pnpm db:migrate)` : message;
}
