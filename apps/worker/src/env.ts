import { readEnv } from "@penguinmails/db";
import { z } from "zod";

// The worker's configuration, validated once at start-up. The database URL is the db
// package's to read (connect()). Read through @penguinmails/db's readEnv: values trimmed,
// blank ones unset, as in every workspace.

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ message: "must be a whole number" })
    .int({ message: "must be a whole number" })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

const schema = z.object({
  /** soft-deleted rows older than this many days are erased */
  RETENTION_DAYS: wholeNumber(1, 36_500).default(30),
  /** rows per purge transaction: small enough that no lock is held for long */
  PURGE_BATCH_SIZE: wholeNumber(1, 10_000).default(1000),
  PURGE_INTERVAL_SECONDS: wholeNumber(1, 7 * 24 * 3600).default(3600),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
});

export type WorkerEnv = z.infer<typeof schema>;

export function readWorkerEnv(source: Record<string, string | undefined> = process.env): WorkerEnv {
  return readEnv(schema, source);
}
