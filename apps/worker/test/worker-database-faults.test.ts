import { createClient, sql, type DatabaseClient } from "@penguinmails/db";
import { startThrowawayServer, type ThrowawayServer } from "@penguinmails/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { count, exists, makeTenant, makeUser, seedDeletedMembers } from "./support/database";
import { trackWorkers, type LogLine, type WorkerProcess } from "./support/worker-process";

// The worker process on a PostgreSQL of the test's own, which the test stops, restarts and
// whose backends it terminates in the middle of a purge. Each fault is a logged job.failed
// and a retry with backoff; the process neither dies nor hangs, never holds the job's lock
// from a dead run, and finishes the purge once the database is back. Every engine run
// uses the throwaway server: the faults are a server's.
let server: ThrowawayServer;
let client: DatabaseClient;
const workers = trackWorkers();

beforeAll(async () => {
  server = await startThrowawayServer();
  client = createClient(server.url, { max: 2 });
}, 300_000);
afterEach(() => workers.stopAll());
afterAll(async () => {
  await client?.close();
  await server?.remove();
});

const BACKLOG = 3000;
const BATCH = 20;

/** A backlog of deleted members, a live user and one deleted inside retention. */
async function seed() {
  const prefix = await seedDeletedMembers(client, await makeTenant(client), BACKLOG);
  return { prefix, live: await makeUser(client, "live"), recent: await makeUser(client, "inside") };
}

function startWorker(): WorkerProcess {
  // debug: a purge.batch line per committed batch, to strike mid-purge and to count.
  return workers.start([], { DATABASE_URL: server.url, PURGE_BATCH_SIZE: String(BATCH), LOG_LEVEL: "debug" });
}

const batchesLogged = (worker: WorkerProcess) => worker.events("purge.batch").length;
const after = (worker: WorkerProcess, event: string, index: number) => (line: LogLine) => line.event === event && worker.events(event).indexOf(line) >= index;

/** Every row is gone, counted at most once over all runs, and the others are untouched. */
async function expectPurgedOnce(worker: WorkerProcess, seeded: Awaited<ReturnType<typeof seed>>) {
  expect(await count(client, "users", `email LIKE '${seeded.prefix}%'`)).toBe(0);
  expect(await count(client, "tenant_users")).toBe(0);
  expect(await exists(client, "users", seeded.live)).toBe(true);
  expect(await exists(client, "users", seeded.recent)).toBe(true);
  // A batch whose COMMIT reply was lost with its connection is done but uncounted; none twice.
  const counted = worker.events("purge.batch").reduce((sum, line) => sum + (line.users as number), 0);
  expect(counted).toBeLessThanOrEqual(BACKLOG);
  expect(counted).toBeGreaterThan(BACKLOG - 10 * BATCH);
}

async function lockIsFree(): Promise<boolean> {
  const [row] = await client.db.execute<{ free: boolean }>(sql`
    SELECT pg_try_advisory_lock(hashtext('penguinmails.worker'), hashtext('purge-deleted')) AS free`);
  if (row?.free) await client.db.execute(sql`SELECT pg_advisory_unlock(hashtext('penguinmails.worker'), hashtext('purge-deleted'))`);
  return row?.free === true;
}

describe("the worker under database faults", () => {
  it("server stopped mid-purge, then started: job.failed and retries with growing waits, then the purge finishes", async () => {
    const seeded = await seed();
    const worker = startWorker();
    await worker.waitForEvents("purge.batch", 3, 120_000);
    await server.stop("fast");
    let failures: LogLine[];
    try {
      failures = await worker.waitForEvents("job.failed", 3, 120_000);
      expect(worker.running).toBe(true);
    } finally {
      await server.start();
    }
    for (const failure of failures) expect(failure).toMatchObject({ level: "warn", job: "purge-deleted", databaseUnavailable: true });
    const waits = failures.map((failure) => failure.retryInMs as number);
    expect(waits[2]!).toBeGreaterThan(waits[0]!);

    await worker.waitFor((line) => line.event === "job.finished", "the purge finishing after the restart", 120_000);
    expect(worker.events("job.finished")).toHaveLength(1);
    expect(worker.events("job.skipped")).toHaveLength(0);
    await expectPurgedOnce(worker, seeded);
    expect(await lockIsFree()).toBe(true);
    worker.kill("SIGTERM");
    expect(await worker.waitForExit(120_000)).toEqual({ code: 0, signal: null });
    expect(worker.stderr).not.toMatch(/TypeError|Unhandled/);
  });

  it("its backends terminated mid-purge, three times: each a job.failed and a retry; the lock is never kept; the purge finishes", async () => {
    const seeded = await seed();
    const worker = startWorker();
    for (let fault = 0; fault < 3; fault++) {
      const batches = batchesLogged(worker);
      await worker.waitFor(after(worker, "purge.batch", batches + 2), `batches before fault ${fault + 1}`, 120_000);
      expect(await server.terminateBackends("penguinmails-worker")).toBeGreaterThan(0);
      await worker.waitForEvents("job.failed", fault + 1, 120_000);
    }
    for (const failure of worker.events("job.failed")) expect(failure).toMatchObject({ job: "purge-deleted", databaseUnavailable: true });

    await worker.waitFor((line) => line.event === "job.finished", "the purge finishing", 120_000);
    expect(worker.running).toBe(true);
    expect(worker.events("job.finished")).toHaveLength(1);
    // A retry that found the lock still held (by the failed run's connection) would say skipped.
    expect(worker.events("job.skipped")).toHaveLength(0);
    await expectPurgedOnce(worker, seeded);
    expect(await lockIsFree()).toBe(true);
    worker.kill("SIGTERM");
    expect(await worker.waitForExit(120_000)).toEqual({ code: 0, signal: null });
    expect(worker.stderr).not.toMatch(/TypeError|Unhandled/);
  });
});
