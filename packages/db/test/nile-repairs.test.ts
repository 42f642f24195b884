import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withSystem, withTenantScope } from "../src/context";
import { purgeDeleted } from "../src/data";
import { tenants, tenantUsers, users } from "../src/schema";
import { isNileTarget } from "../src/target";
import { useTestDatabase } from "../src/testing/vitest";

// The NileDB pass's: on NileDB a tenant's creation and its owner's membership are two
// transactions, and nothing ties a membership to its user, so the purge repairs what a crash
// (or another writer) leaves. PostgreSQL needs no repair: one transaction, and foreign keys.
describe.skipIf(!isNileTarget())("the purge's repairs on NileDB", () => {
  const ctx = useTestDatabase();

  it("removes a tenant left without any membership an hour after its creation, and memberships whose user is gone; keeps the rest", async () => {
    const { db } = ctx.client;
    const [stale, fresh, kept] = [randomUUID(), randomUUID(), randomUUID()];
    for (const [id, created] of [
      [stale, sql`now() - interval '61 minutes'`],
      [fresh, sql`now() - interval '59 minutes'`],
      [kept, sql`now() - interval '2 days'`],
    ] as const) {
      await withSystem(db, (tx) => tx.insert(tenants).values({ id, name: `Repair ${id.slice(0, 8)}`, created }));
    }
    const member = randomUUID();
    await withSystem(db, (tx) => tx.insert(users).values({ id: member, email: `member-${member}@example.test` }));
    const gone = randomUUID(); // no such user: NileDB has no foreign key to refuse it
    await withTenantScope(db, kept, null, (tx) =>
      tx.insert(tenantUsers).values([
        { tenantId: kept, userId: member, roles: ["owner"] },
        { tenantId: kept, userId: gone, roles: ["member"] },
      ]),
    );

    const report = await purgeDeleted(db, { retentionDays: 30, batchSize: 100 });

    expect(report).toMatchObject({ users: 0, tenants: 1, memberships: 1 });
    const left = await withSystem(db, async (tx) => ({
      tenants: (
        await tx
          .select({ id: tenants.id })
          .from(tenants)
          .where(sql`${tenants.id} IN (${stale}, ${fresh}, ${kept})`)
      )
        .map((r) => r.id)
        .sort(),
      memberships: (await tx.select({ userId: tenantUsers.userId }).from(tenantUsers).where(eq(tenantUsers.tenantId, kept))).map((r) => r.userId),
    }));
    expect(left).toEqual({ tenants: [fresh, kept].sort(), memberships: [member] });
  });
});
