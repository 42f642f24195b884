import { afterEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "@penguinmails/db/testing/vitest";
import { count, makeTenant, makeUser, seedDeletedMembers } from "./support/database";
import { startOutageProxy, type OutageProxy } from "./support/outage-proxy";
import { trackWorkers } from "./support/worker-process";

// A database outage is logged and retried with growing waits; the worker neither exits
// nor spins, and carries on once the database is back.
const ctx = useTestDatabase();
const workers = trackWorkers();
let proxy: OutageProxy | undefined;
afterEach(async () => {
  await workers.stopAll();
  await proxy?.close();
});

describe("database outage", () => {
  it("is logged and retried with backoff until the database is back; then the purge resumes", async () => {
    proxy = await startOutageProxy(ctx.database.url);
    const first = await makeUser(ctx.client, "past");
    const worker = workers.start([], { DATABASE_URL: proxy.url, PURGE_INTERVAL_SECONDS: "1" });
    await worker.waitFor((line) => line.event === "job.finished", "a first run");
    expect(await count(ctx.client, "users", `id = '${first}'`)).toBe(0);

    proxy.down();
    const failures = await worker.waitForEvents("job.failed", 3);
    expect(worker.running).toBe(true);
    for (const failure of failures) expect(failure).toMatchObject({ level: "warn", job: "purge-deleted", databaseUnavailable: true });
    const waits = failures.map((failure) => failure.retryInMs as number);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[1]!).toBeGreaterThanOrEqual(waits[0]!);
    expect(waits[2]!).toBeGreaterThanOrEqual(waits[1]!);
    expect(waits[2]!).toBeGreaterThan(waits[0]!);

    // Work piles up meanwhile (written directly, not through the relay).
    const prefix = await seedDeletedMembers(ctx.client, await makeTenant(ctx.client), 40);
    const runsBefore = worker.events("job.finished").length;
    proxy.up();
    const resumed = await worker.waitFor(
      (line) => line.event === "job.finished" && worker.events("job.finished").indexOf(line) >= runsBefore,
      "a run after the outage",
    );
    expect(resumed).toMatchObject({ counts: { users: 40, memberships: 40 } });
    expect(await count(ctx.client, "users", `email LIKE '${prefix}%'`)).toBe(0);

    worker.kill("SIGTERM");
    expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
    expect(worker.events("worker.started")).toHaveLength(1);
  });

  it("a worker started while the database is down waits for it instead of exiting", async () => {
    proxy = await startOutageProxy(ctx.database.url);
    proxy.down();
    const gone = await makeUser(ctx.client, "past");
    const worker = workers.start([], { DATABASE_URL: proxy.url });
    await worker.waitForEvents("job.failed", 2);
    expect(worker.running).toBe(true);

    proxy.up();
    await worker.waitFor((line) => line.event === "job.finished", "a run once the database is up");
    expect(await count(ctx.client, "users", `id = '${gone}'`)).toBe(0);
    worker.kill("SIGTERM");
    expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
  });
});
