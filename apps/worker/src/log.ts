import { describeDatabaseError, identifyError, isConnectionFailure, isDataError } from "@penguinmails/db";
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
  /**
   * One line for people, built from the error's class, code and constraint name only: the
   * driver's messages and details quote failed SQL, its parameters and row values.
   */
  message: string;
  /** the database is unreachable or restarting (as opposed to a bug or a bad schema) */
  unavailable: boolean;
}

/** What went wrong, without the query text, parameters or values the error carries. */
export function summarizeError(error: unknown, databaseUrl?: string): ErrorSummary {
  const inner = innermost(error);
  // Class, code and constraint only, as the web app logs them (the db package's identifyError).
  const { name, code, constraint } = identifyError(inner);
  // The db package's one classification: lost connections and contexts past their deadline.
  const unavailable = isDataError(error, "unavailable") || isConnectionFailure(error);
  const what = describe(inner, name, code, constraint);
  // describeDatabaseError names host, port and database; handed only the code, it quotes nothing else.
  const message = databaseUrl && unavailable ? describeDatabaseError(Object.assign(new Error("database unavailable"), { code }), databaseUrl) : what;
  return { code, message, unavailable };
}

// DrizzleQueryError (and our own wrappers) keep the driver's error as `cause`.
function innermost(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) current = current.cause;
  return current;
}

// A missing table, or a missing role (cluster-wide on a server, so only a new one lacks it):
// the message is read to recognise it, never repeated.
function describe(error: unknown, name: string, code: string | undefined, constraint: string | undefined): string {
  const text = error instanceof Error ? error.message : "";
  const what = `${name}${code ? ` ${code}` : ""}${constraint ? ` (constraint ${constraint})` : ""}`;
  const unmigrated = code === "42P01" || /role "penguinmails_\w+" does not exist/.test(text);
  return unmigrated ? `${what}: a table or role is missing; is the database migrated? (pnpm db:migrate)` : what;
}
