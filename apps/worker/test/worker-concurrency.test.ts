import { createClient } from "@penguinmails/db";
import { afterEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "@penguinmails/db/testing/vitest";
import { addMember, count, isMember, makeTenant, makeUser, seedDeletedMembers } from "./support/database";
import { trackWorkers } from "./support/worker-process";

// Replicas and deploy overlaps: several workers on one database.
const ctx = useTestDatabase();
const workers = trackWorkers();
afterEach(() => workers.stopAll());
const onServer = Boolean(process.env.DATABASE_URL);

describe("several workers at once", () => {
  it("two workers started together on a 5,000-row backlog purge every row exactly once, without errors", async () => {
    const tenant = await makeTenant(ctx.client);
    const stays = await makeUser(ctx.client, "inside");
    await addMember(ctx.client, tenant, stays);
    const prefix = await seedDeletedMembers(ctx.client, tenant, 5000);
    const env = { DATABASE_URL: ctx.database.url, PURGE_BATCH_SIZE: "50" };

    const pair = [workers.start(["--once"], env), workers.start(["--once"], env)];
    const exits = await Promise.all(pair.map((worker) => worker.waitForExit()));

    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const worker of pair) {
      expect(worker.lines.filter((line) => line.level !== "info")).toEqual([]);
      expect(worker.stderr).toBe("");
    }
    // Each ran the job, or saw the other running it and stood aside.
    const finished = pair.flatMap((worker) => worker.events("job.finished"));
    const skipped = pair.flatMap((worker) => worker.events("job.skipped"));
    expect(finished.length + skipped.length).toBe(2);
    const total = (key: string) => finished.reduce((sum, line) => sum + (line.counts as Record<string, number>)[key]!, 0);
    expect([total("users"), total("memberships")]).toEqual([5000, 5000]);
    expect(await count(ctx.client, "users", `email LIKE '${prefix}%'`)).toBe(0);
    expect(await isMember(ctx.client, tenant, stays)).toBe(true);
  });

  // The embedded engine grants session locks to every client (they share one session), so
  // there the purge's row locks alone keep workers apart: the test above covers that.
  it.runIf(onServer)("a worker stands aside while another holds the job's advisory lock", async () => {
    const gone = await makeUser(ctx.client, "past");
    const holder = createClient(ctx.database.url, { max: 1 });
    try {
      await holder.sql`SELECT pg_advisory_lock(hashtext('penguinmails.worker'), hashtext('purge-deleted'))`;
      const blocked = workers.start(["--once"], { DATABASE_URL: ctx.database.url });
      expect(await blocked.waitForExit()).toEqual({ code: 0, signal: null });
      expect(blocked.events("job.skipped")).toEqual([expect.objectContaining({ job: "purge-deleted" })]);
      expect(blocked.events("job.finished")).toEqual([]);
      expect(await count(ctx.client, "users", `id = '${gone}'`)).toBe(1);
    } finally {
      await holder.close();
    }
    const free = workers.start(["--once"], { DATABASE_URL: ctx.database.url });
    expect(await free.waitForExit()).toEqual({ code: 0, signal: null });
    expect(free.events("job.finished")).toEqual([expect.objectContaining({ counts: expect.objectContaining({ users: 1 }) })]);
  });
});
