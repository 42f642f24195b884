import { parseArgs } from "node:util";
import { ConfigError, type Connection } from "@penguinmails/db";
import { openDatabase } from "./database";
import { readWorkerEnv, type WorkerEnv } from "./env";
import { workerJobs } from "./jobs";
import { createLogger } from "./log";
import { runForever, runOnce } from "./runner";
import { abortOnShutdownSignals } from "./shutdown";

// The worker process: `start` runs every job on its interval until SIGTERM/SIGINT;
// `start --once` runs each job once, for cron, CI and tests.

export const EXIT_OK = 0;
/** a job failed (--once), or the database could not be opened (--once) */
export const EXIT_JOB_FAILED = 1;
/** bad arguments or environment: retrying cannot help */
export const EXIT_CONFIG = 2;

const USAGE = "usage: worker [--once]";

export async function runWorker(argv: string[]): Promise<number> {
  let once: boolean;
  let env: WorkerEnv;
  try {
    once = parseArgs({ args: argv, options: { once: { type: "boolean", default: false } }, strict: true }).values.once;
    env = readWorkerEnv();
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : `${(error as Error).message}; ${USAGE}`;
    createLogger().fatal({ event: "worker.config_invalid", error: message }, message);
    return EXIT_CONFIG;
  }

  const log = createLogger(env.LOG_LEVEL);
  const signal = abortOnShutdownSignals(log);
  const jobs = workerJobs(env);

  let connection: Connection | undefined;
  try {
    connection = await openDatabase(log, signal, { retry: !once });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.fatal({ event: "worker.config_invalid", error: error.message }, error.message);
    return EXIT_CONFIG;
  }
  if (!connection) return signal.aborted ? EXIT_OK : EXIT_JOB_FAILED;

  log.info({ event: "worker.started", mode: once ? "once" : "continuous", engine: connection.engine, jobs: jobs.map((job) => job.name) }, "worker started");
  let ok = true;
  try {
    const context = { db: connection.db, databaseUrl: connection.url, log, signal };
    if (once) ok = await runOnce(jobs, context);
    else await runForever(jobs, context);
  } finally {
    await connection.close();
  }
  const code = ok ? EXIT_OK : EXIT_JOB_FAILED;
  log.info({ event: "worker.stopped", exitCode: code }, "worker stopped");
  return code;
}
