import { ConfigError, connect, type Connection } from "@penguinmails/db";
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
      return await connect({ max: 2, applicationName: "penguinmails-worker", contextTimeoutMs: CONTEXT_TIMEOUT_MS });
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
