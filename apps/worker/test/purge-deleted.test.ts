import { purgeDeleted, type PurgeBatch } from "@penguinmails/db";
import { connectTo } from "@penguinmails/db/testing";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "@penguinmails/db/testing/vitest";
import { addMember, count, exists, isMember, makeTenant, makeUser, RETENTION_DAYS, seedDeletedMembers, snapshot } from "./support/database";

// The purge itself, in process, against this file's own database.
const ctx = useTestDatabase();
const purge = (options: { batchSize?: number; retentionDays?: number; signal?: AbortSignal; onBatch?: (b: PurgeBatch) => void | Promise<void> } = {}) =>
  purgeDeleted(ctx.client.db, { retentionDays: RETENTION_DAYS, batchSize: 1000, ...options });

// Each test leaves no row past retention behind, so the next starts from a clean backlog.
describe("purge-deleted", () => {
  it("erases rows deleted just past retention and keeps those just inside it and live ones", async () => {
    const [pastUser, insideUser, liveUser] = [await makeUser(ctx.client, "past"), await makeUser(ctx.client, "inside"), await makeUser(ctx.client)];
    const [pastTenant, insideTenant, liveTenant] = [await makeTenant(ctx.client, "past"), await makeTenant(ctx.client, "inside"), await makeTenant(ctx.client)];
    // Memberships soft-deleted on their own, between a live user and a live tenant.
    const [a, b, c] = [await makeUser(ctx.client), await makeUser(ctx.client), await makeUser(ctx.client)];
    await addMember(ctx.client, liveTenant, a, "past");
    await addMember(ctx.client, liveTenant, b, "inside");
    await addMember(ctx.client, liveTenant, c);

    const report = await purge();

    expect(report).toMatchObject({ users: 1, tenants: 1, memberships: 1, interrupted: false });
    expect([await exists(ctx.client, "users", pastUser), await exists(ctx.client, "users", insideUser), await exists(ctx.client, "users", liveUser)]).toEqual([
      false,
      true,
      true,
    ]);
    expect([
      await exists(ctx.client, "tenants", pastTenant),
      await exists(ctx.client, "tenants", insideTenant),
      await exists(ctx.client, "tenants", liveTenant),
    ]).toEqual([false, true, true]);
    expect([await isMember(ctx.client, liveTenant, a), await isMember(ctx.client, liveTenant, b), await isMember(ctx.client, liveTenant, c)]).toEqual([
      false,
      true,
      true,
    ]);
    expect([await exists(ctx.client, "users", a), await exists(ctx.client, "users", b)]).toEqual([true, true]);
  });

  it("takes a purged user's memberships with them and leaves every other row byte-identical", async () => {
    const [home, other] = [await makeTenant(ctx.client), await makeTenant(ctx.client)];
    const [leaver, colleague, outsider] = [await makeUser(ctx.client, "past"), await makeUser(ctx.client), await makeUser(ctx.client)];
    await addMember(ctx.client, home, leaver);
    await addMember(ctx.client, other, leaver);
    await addMember(ctx.client, home, colleague);
    await addMember(ctx.client, other, outsider);
    const before = await snapshot(ctx.client);

    const report = await purge();

    expect(report).toMatchObject({ users: 1, tenants: 0, memberships: 2 });
    const after = await snapshot(ctx.client);
    const gone = [...before.keys()].filter((key) => !after.has(key)).sort();
    expect(gone).toEqual([`tenant_users:${home}:${leaver}`, `tenant_users:${other}:${leaver}`, `users:${leaver}`].sort());
    for (const [key, row] of after) expect(row, key).toBe(before.get(key));
  });

  it("takes a purged tenant's memberships with it and keeps its members' accounts", async () => {
    const [closed, kept] = [await makeTenant(ctx.client, "past"), await makeTenant(ctx.client)];
    const [owner, member] = [await makeUser(ctx.client), await makeUser(ctx.client)];
    await addMember(ctx.client, closed, owner);
    await addMember(ctx.client, closed, member);
    await addMember(ctx.client, kept, member);

    const report = await purge();

    expect(report).toMatchObject({ users: 0, tenants: 1, memberships: 2 });
    expect(await exists(ctx.client, "tenants", closed)).toBe(false);
    expect([await exists(ctx.client, "users", owner), await exists(ctx.client, "users", member)]).toEqual([true, true]);
    expect([await isMember(ctx.client, closed, member), await isMember(ctx.client, kept, member)]).toEqual([false, true]);
  });

  it("measures retention in the days it is given", async () => {
    const eightDaysAgo = await makeUser(ctx.client, { daysAgo: 8 });
    expect((await purge({ retentionDays: 30 })).users).toBe(0);
    expect(await exists(ctx.client, "users", eightDaysAgo)).toBe(true);
    // Rows other tests left inside 30 days are past 7 days too.
    const pastSevenDays = await count(ctx.client, "users", "deleted < now() - interval '7 days 1 minute'");
    expect(pastSevenDays).toBeGreaterThanOrEqual(1);
    expect((await purge({ retentionDays: 7 })).users).toBe(pastSevenDays);
    expect(await exists(ctx.client, "users", eightDaysAgo)).toBe(false);
  });

  it("commits batch by batch, batchSize rows at a time", async () => {
    const tenant = await makeTenant(ctx.client);
    const prefix = await seedDeletedMembers(ctx.client, tenant, 25);
    const batches: PurgeBatch[] = [];

    const report = await purge({ batchSize: 10, onBatch: (batch) => void batches.push(batch) });
    expect(report).toMatchObject({ users: 25, memberships: 25, batches: 3 });
    expect(batches.map((b) => [b.table, b.users, b.memberships])).toEqual([
      ["users", 10, 10],
      ["users", 10, 10],
      ["users", 5, 5],
    ]);
    expect(await count(ctx.client, "users", `email LIKE '${prefix}%'`)).toBe(0);
  });

  it("each batch is its own transaction, visible to others once reported", async () => {
    const tenant = await makeTenant(ctx.client);
    const prefix = await seedDeletedMembers(ctx.client, tenant, 30);
    const observer = connectTo(ctx.database, { max: 1 });
    const seen: number[] = [];
    try {
      await purge({ batchSize: 10, onBatch: async () => void seen.push(await count(observer, "users", `email LIKE '${prefix}%'`)) });
      expect(seen).toEqual([20, 10, 0]);
    } finally {
      await observer.close();
    }
  });

  it("stops after the batch in flight when its signal aborts", async () => {
    const tenant = await makeTenant(ctx.client);
    const prefix = await seedDeletedMembers(ctx.client, tenant, 30);
    const stop = new AbortController();

    const report = await purge({ batchSize: 10, signal: stop.signal, onBatch: () => stop.abort() });

    expect(report).toMatchObject({ users: 10, memberships: 10, batches: 1, interrupted: true });
    expect(await count(ctx.client, "users", `email LIKE '${prefix}%'`)).toBe(20);
    expect(await count(ctx.client, "tenant_users", `tenant_id = '${tenant}'`)).toBe(20);
    expect((await purge()).users).toBe(20);
  });

  it("two purges at once on 5,000 rows, with no lock between them, erase each row exactly once", async () => {
    const tenant = await makeTenant(ctx.client);
    const survivor = await makeUser(ctx.client, "inside");
    await addMember(ctx.client, tenant, survivor);
    const prefix = await seedDeletedMembers(ctx.client, tenant, 5000);
    const [one, two] = [connectTo(ctx.database, { max: 1 }), connectTo(ctx.database, { max: 1 })];
    try {
      const reports = await Promise.all([one, two].map((client) => purgeDeleted(client.db, { retentionDays: RETENTION_DAYS, batchSize: 50 })));
      expect(reports[0]!.users + reports[1]!.users).toBe(5000);
      expect(reports[0]!.memberships + reports[1]!.memberships).toBe(5000);
      // Both took part: batches went to whichever purge asked first.
      expect(reports.every((report) => report.users > 0)).toBe(true);
      expect(await count(ctx.client, "users", `email LIKE '${prefix}%'`)).toBe(0);
      expect(await isMember(ctx.client, tenant, survivor)).toBe(true);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
