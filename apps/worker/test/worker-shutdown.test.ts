import { sql, withSystem } from "@penguinmails/db";
import { afterEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "@penguinmails/db/testing/vitest";
import { count, makeTenant, makeUser, seedDeletedMembers } from "./support/database";
import { trackWorkers } from "./support/worker-process";

// SIGTERM (a deploy, a scale-down) and SIGINT (Ctrl-C): the batch in flight commits, the
// job's lock is released, and the worker exits 0.
const ctx = useTestDatabase();
const workers = trackWorkers();
afterEach(() => workers.stopAll());

// pg_locks is cluster-wide: other test files (and packages) hold advisory locks of their own
// in their own databases, so count only this test's database.
async function advisoryLocksHeld(): Promise<number> {
  const [row] = await withSystem(ctx.client.db, (tx) =>
    tx.execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND granted
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`),
  );
  return row!.n;
}

describe("stopping the worker", () => {
  it("SIGTERM during a long purge: the batch in flight commits, nothing after it starts, exit 0", async () => {
    const tenant = await makeTenant(ctx.client);
    const prefix = await seedDeletedMembers(ctx.client, tenant, 20_000);
    const mine = `email LIKE '${prefix}%'`;
    const worker = workers.start([], { DATABASE_URL: ctx.database.url, PURGE_BATCH_SIZE: "10", LOG_LEVEL: "debug" });

    await worker.waitFor((line) => line.event === "purge.batch", "a first batch");
    worker.kill("SIGTERM");
    const exit = await worker.waitForExit();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(worker.lines.filter((line) => ["warn", "error", "fatal"].includes(line.level))).toEqual([]);
    const batches = worker.events("purge.batch");
    const [stopped] = worker.events("job.interrupted");
    // Everything the log says committed, and only that, is gone: whole batches, users and
    // their memberships together.
    const removed = batches.reduce((sum, batch) => sum + (batch.users as number), 0);
    expect(batches.every((batch) => batch.users === 10 && batch.memberships === 10)).toBe(true);
    expect(stopped).toMatchObject({ counts: { users: removed, memberships: removed, batches: batches.length } });
    expect(removed).toBeLessThan(20_000);
    expect(await count(ctx.client, "users", mine)).toBe(20_000 - removed);
    expect(await count(ctx.client, "tenant_users", `tenant_id = '${tenant}'`)).toBe(20_000 - removed);
    expect(worker.lines.at(-1)).toMatchObject({ event: "worker.stopped", exitCode: 0 });
    expect(await advisoryLocksHeld()).toBe(0);

    // The next run takes up where it stopped.
    const next = workers.start(["--once"], { DATABASE_URL: ctx.database.url, PURGE_BATCH_SIZE: "5000" });
    expect(await next.waitForExit()).toEqual({ code: 0, signal: null });
    expect(next.events("job.finished")[0]).toMatchObject({ counts: { users: 20_000 - removed } });
    expect(await count(ctx.client, "users", mine)).toBe(0);
  });

  it("SIGINT while waiting for the next run: exit 0 at once, lock released", async () => {
    const gone = await makeUser(ctx.client, "past");
    const worker = workers.start([], { DATABASE_URL: ctx.database.url, PURGE_INTERVAL_SECONDS: "3600" });

    await worker.waitFor((line) => line.event === "job.finished", "the first run");
    expect(await count(ctx.client, "users", `id = '${gone}'`)).toBe(0);
    worker.kill("SIGINT");

    expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
    expect(worker.lines.map((line) => line.event)).toEqual(["worker.started", "job.finished", "worker.stopping", "worker.stopped"]);
    expect(await advisoryLocksHeld()).toBe(0);
  });

  it("a worker whose parent goes away without passing a signal on (pnpm on SIGTERM) stops cleanly", async () => {
    const worker = workers.start([], { DATABASE_URL: ctx.database.url }, { throughParent: true });
    await worker.waitFor((line) => line.event === "job.finished", "the first run");

    worker.kill("SIGKILL"); // the launcher: the worker itself gets no signal
    // Its output pipes close when the worker, not the launcher, exits.
    await worker.waitForExit();
    expect(worker.lines.slice(-2)).toEqual([
      expect.objectContaining({ event: "worker.stopping", signal: "parent-exited" }),
      expect.objectContaining({ event: "worker.stopped", exitCode: 0 }),
    ]);
    expect(await advisoryLocksHeld()).toBe(0);
  });
});
