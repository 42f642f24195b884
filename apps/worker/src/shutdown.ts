import type { Logger } from "./log";

// SIGTERM or SIGINT aborts the returned signal: jobs stop after the batch in flight,
// locks are released and the worker exits 0. A batch that cannot finish within the grace
// period (a database that stopped answering) is abandoned: the process exits 1 and the
// server rolls the open transaction back, so no half-done batch is ever committed.

export const SHUTDOWN_GRACE_MS = 8_000;

export function abortOnShutdownSignals(log: Logger, graceMs = SHUTDOWN_GRACE_MS): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals | "parent-exited") => {
    // Ctrl-C reaches a whole process group, and supervisors pass signals on: the first counts.
    if (controller.signal.aborted) return;
    log.info({ event: "worker.stopping", signal }, "stopping after the current batch");
    controller.abort();
    setTimeout(() => {
      log.error({ event: "worker.shutdown_timeout", graceMs }, "the current batch did not finish in time; exiting without it");
      process.exit(1);
    }, graceMs).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // pnpm exits on SIGTERM without passing it on, which would leave us running as an
  // orphan: a parent that went away counts as a signal.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) onSignal("parent-exited");
  }, 1000).unref();
  return controller.signal;
}
