import type { Database } from "@penguinmails/db";
import type { Logger } from "../log";

export interface JobContext {
  db: Database;
  /** aborted on SIGTERM/SIGINT: stop at the next safe point (between batches) */
  signal: AbortSignal;
  log: Logger;
}

export interface JobResult {
  /** what the run did, as numbers only: these go to the logs */
  counts: Record<string, number>;
  interrupted: boolean;
  /** anything else worth logging, never personal data */
  details?: Record<string, string | number | boolean>;
}

export interface Job {
  /** stable: it names the job's advisory lock and its log lines */
  name: string;
  intervalMs: number;
  run(context: JobContext): Promise<JobResult>;
}
