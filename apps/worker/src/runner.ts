import { withJobLock, type Database } from "@penguinmails/db";
import { exponentialBackoff, pause } from "./backoff";
import type { Job } from "./jobs";
import { summarizeError, type Logger } from "./log";

// Runs jobs under their locks and logs one line per outcome. `runForever` keeps each job on
// its interval and, after a failure (say the database is down), retries it with backoff
// instead of exiting: a supervisor restarting a crashed worker would only add load.

export interface RunnerContext {
  db: Database;
  databaseUrl: string;
  log: Logger;
  signal: AbortSignal;
}

interface Outcome {
  outcome: "finished" | "skipped" | "failed";
  /** set after a failure when the caller retries */
  retryInMs?: number;
}

const RETRY_CAP_MS = 60_000;

/** Every job once, one after another; false if any failed. */
export async function runOnce(jobs: Job[], context: RunnerContext): Promise<boolean> {
  let ok = true;
  for (const job of jobs) {
    if (context.signal.aborted) break;
    if ((await runJob(job, context)).outcome === "failed") ok = false;
  }
  return ok;
}

/** Each job on its own interval until the signal aborts. */
export async function runForever(jobs: Job[], context: RunnerContext): Promise<void> {
  await Promise.all(jobs.map((job) => keepRunning(job, context)));
}

async function keepRunning(job: Job, context: RunnerContext): Promise<void> {
  const backoff = exponentialBackoff({ capMs: RETRY_CAP_MS });
  while (!context.signal.aborted) {
    const { outcome, retryInMs } = await runJob(job, context, () => backoff.next());
    if (outcome !== "failed") backoff.reset();
    await pause(retryInMs ?? job.intervalMs, context.signal);
  }
}

/** One run of one job. With `retryIn`, a failure is logged with the delay before its retry. */
async function runJob(job: Job, context: RunnerContext, retryIn?: () => number): Promise<Outcome> {
  const { db, databaseUrl, log, signal } = context;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const run = await withJobLock(databaseUrl, job.name, () => job.run({ db, signal, log }));
    if (!run.acquired) {
      log.info({ event: "job.skipped", job: job.name, durationMs: elapsed() }, `${job.name} is running in another worker`);
      return { outcome: "skipped" };
    }
    const { counts, interrupted, details } = run.value;
    log.info(
      { event: interrupted ? "job.interrupted" : "job.finished", job: job.name, durationMs: elapsed(), counts, ...details },
      `${job.name} ${interrupted ? "stopped early" : "finished"}`,
    );
    return { outcome: "finished" };
  } catch (error) {
    const { code, message, unavailable } = summarizeError(error, databaseUrl);
    const retryInMs = retryIn?.();
    log[unavailable ? "warn" : "error"](
      { event: "job.failed", job: job.name, durationMs: elapsed(), code, error: message, databaseUnavailable: unavailable, retryInMs },
      `${job.name} failed${retryInMs === undefined ? "" : `, retrying in ${retryInMs} ms`}`,
    );
    return { outcome: "failed", retryInMs };
  }
}
