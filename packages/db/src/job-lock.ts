import { createClient } from "./client";

// One process at a time runs a given job (the worker's purge): a session-level advisory lock,
// held for the run on a connection of its own. Closing that connection releases the lock even
// when the unlock cannot be sent (the server went away), so a lost process never keeps it.
// Correctness does not rest on this lock: if two runs ever overlap (the lock's connection
// dropped, or the embedded engine, where every client shares one session and so is always
// granted it), the purge's SKIP LOCKED batches still take disjoint rows.

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

/** Runs `work` unless another process holds `job`'s lock; then `{ acquired: false }`. */
export async function withJobLock<T>(databaseUrl: string, job: string, work: () => Promise<T>): Promise<Locked<T>> {
  // Never closed for idleness: that would drop the lock in the middle of a long run.
  const lock = createClient(databaseUrl, { max: 1, applicationName: `penguinmails-worker-lock:${job}`, idleTimeoutSeconds: 0 });
  try {
    const [row] = await lock.sql<{ acquired: boolean }[]>`
      SELECT pg_try_advisory_lock(hashtext('penguinmails.worker'), hashtext(${job})) AS acquired`;
    if (!row?.acquired) return { acquired: false };
    try {
      return { acquired: true, value: await work() };
    } finally {
      // Best effort: the close below ends the session, which releases it anyway.
      await lock.sql`SELECT pg_advisory_unlock(hashtext('penguinmails.worker'), hashtext(${job}))`.catch(() => undefined);
    }
  } finally {
    await lock.close();
  }
}
