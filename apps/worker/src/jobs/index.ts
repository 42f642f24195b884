import type { WorkerEnv } from "../env";
import type { Job } from "./job";
import { purgeDeleted } from "@penguinmails/db";

export type { Job, JobContext, JobResult } from "./job";

/** Every job the worker runs, configured from its environment. */
export function workerJobs(env: WorkerEnv): Job[] {
  return [
    {
      name: "purge-deleted",
      intervalMs: env.PURGE_INTERVAL_SECONDS * 1000,
      async run({ db, signal, log }) {
        const report = await purgeDeleted(db, {
          retentionDays: env.RETENTION_DAYS,
          batchSize: env.PURGE_BATCH_SIZE,
          signal,
          onBatch: (batch) => log.debug({ event: "purge.batch", job: "purge-deleted", ...batch }, "purge batch committed"),
        });
        const { users, tenants, memberships, batches, interrupted, cutoff } = report;
        return {
          counts: { users, tenants, memberships, batches },
          interrupted,
          details: { cutoff, retentionDays: env.RETENTION_DAYS, batchSize: env.PURGE_BATCH_SIZE },
        };
      },
    },
  ];
}
