import { ConfigError, connect, pendingMigrations, type Connection } from "@penguinmails/db";
import { exponentialBackoff, pause } from "./backoff";
import { summarizeError, type Logger } from "./log";

// The worker's pool: DATABASE_URL, or the embedded engine, which `pnpm dev` may still be
// bringing up beside us. A failure to open it is retried with backoff unless `retry` is off
// (--once); a configuration error is not, since waiting cannot fix it.

const RETRY_CAP_MS = 60_000;
// Bound on one context (a purge batch: lock_timeout 5 s, then its deletes). A database that
// stops answering fails the run (job.failed, retried) instead of hanging it.
const CONTEXT_TIMEOUT_MS = 60_000;

export async function openDatabase(log: Logger, signal: AbortSignal, options: { retry: boolean }): Promise<Connection | undefined> {
  const backoff = exponentialBackoff({ capMs: RETRY_CAP_MS });
  while (!signal.aborted) {
    try {
      // A job's batches run one at a time; each job's advisory lock has a connection of its own.
      const connection = await connect({ max: 2, applicationName: "penguinmails-worker", contextTimeoutMs: CONTEXT_TIMEOUT_MS });
      if (connection.engine === "embedded" && options.retry) {
        await untilMigrated(connection, log, signal);
        if (signal.aborted) {
          await connection.close();
          return undefined;
        }
      }
      return connection;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const { code, message } = summarizeError(error);
      const retryInMs = options.retry ? backoff.next() : undefined;
      log.warn({ event: "database.unavailable", code, error: message, retryInMs }, "cannot open the database");
      if (retryInMs === undefined) return undefined;
      await pause(retryInMs, signal);
    }
  }
  return undefined;
}

// Under `pnpm dev` the db package's dev task migrates the embedded database while the worker
// starts beside it: the engine may answer before its tables exist, and a job run then would
// fail ("relation does not exist"). So, on the embedded engine, the worker waits quietly for
// the migrations, and says so only if they have not come after a while (nobody migrating).
export const MIGRATION_QUIET_WAIT_MS = 30_000;
const MIGRATION_POLL_MS = 500;

async function untilMigrated(connection: Connection, log: Logger, signal: AbortSignal, quietMs = MIGRATION_QUIET_WAIT_MS): Promise<void> {
  const started = Date.now();
  let warned = false;
  while (!signal.aborted) {
    let pending: string[];
    try {
      pending = await pendingMigrations(connection.url, { engine: connection.engine });
    } catch {
      return; // the jobs report a database that fails, with their own retries
    }
    if (pending.length === 0) return;
    if (!warned && Date.now() - started >= quietMs) {
      warned = true;
      log.warn(
        { event: "database.unmigrated", pending },
        "the embedded database has pending migrations; waiting for them (pnpm dev or pnpm db:migrate applies them)",
      );
    }
    await pause(MIGRATION_POLL_MS, signal);
  }
}
