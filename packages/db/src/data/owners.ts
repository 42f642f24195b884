import { and, asc, eq, exists, isNull, ne, notExists, sql, type SQL } from "drizzle-orm";
import type { TenantTx, UserTx } from "../client";
import { DataError } from "../errors";
import { tenants, tenantUsers, users } from "../schema";
import { scopeOf } from "../scope";
import { inTenantScope, type Executor } from "./actor";

// The live-owner rule: a live tenant always keeps a live owner. Everything that can take an
// owner away (leaving, removal, demotion, account deletion and erasure) locks the tenant row
// first and checks after the lock, so concurrent changes to one tenant are checked one by one.

// A live owner: a live membership with the owner role, of an account that is live too (a
// membership added while its user's account was being deleted can outlive the account).
const liveOwner = (tenantId: string, who: SQL) =>
  and(
    eq(tenantUsers.tenantId, tenantId),
    who,
    isNull(tenantUsers.deleted),
    sql`'owner' = ANY (${tenantUsers.roles})`,
    sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${tenantUsers.userId} AND ${users.deleted} IS NULL)`,
  );

/** Refuses with `conflict` unless the tenant (already locked) has a live owner besides `leaving`. */
export async function requireAnotherOwner(tx: TenantTx, tenantId: string, leaving: string): Promise<void> {
  const [other] = await tx
    .select({ userId: tenantUsers.userId })
    .from(tenantUsers)
    .where(liveOwner(tenantId, ne(tenantUsers.userId, leaving)))
    .limit(1);
  if (!other) throw new DataError("conflict", "a workspace must keep at least one owner");
}

/**
 * Before an account goes (user context): locks each tenant the user is a live member of,
 * in id order (one global order, so two deletions never deadlock), and refuses with
 * `conflict` if a live tenant would be left without a live owner. Returns in the user context.
 */
export async function lockTenantsOfLeavingUser(tx: UserTx, userId: string): Promise<string[]> {
  const memberships = await tx
    .select({ tenantId: tenantUsers.tenantId })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted)))
    .orderBy(asc(tenantUsers.tenantId));
  // A user context may see these tenants but neither lock them nor see their other owners:
  // so act in each tenant's scope in turn, within this transaction, as a member of it.
  for (const { tenantId } of memberships) {
    await inTenantScope(tx, tenantId, async (scoped) => {
      await lockTenant(scoped, tenantId);
      if (await isLastOwner(scoped, tenantId, userId)) throw lastOwnerConflict();
    });
  }
  return memberships.map((m) => m.tenantId);
}

/**
 * Ends the leaving user's live memberships in the tenants locked and checked: one statement
 * per tenant, naming it (on Citus one shard each; one statement by user alone would lock
 * every shard, and deadlocked with other transactions' tenant locks). Then refuses with
 * `conflict` if a live one is left: a tenant joined meanwhile, never checked.
 */
export async function endMemberships(tx: UserTx, userId: string, checked: string[], end: { deletedAt: string } | "delete"): Promise<void> {
  const live = (tenantId: string) => and(eq(tenantUsers.tenantId, tenantId), eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted));
  const endIn = (db: Executor, tenantId: string) =>
    end === "delete"
      ? db.delete(tenantUsers).where(live(tenantId))
      : db
          .update(tenantUsers)
          .set({ deleted: sql`${end.deletedAt}::timestamptz` })
          .where(live(tenantId));
  // NileDB writes one tenant per transaction: there each tenant's in a transaction of its own,
  // which checks again, under the tenant's lock, that the user is not its last live owner
  // (the check before was in another transaction: an owner may have left since). A refusal
  // there leaves the tenants before it done and the account as it was.
  if (scopeOf(tx).nile) {
    for (const tenantId of checked) {
      await inTenantScope(tx, tenantId, async (scoped) => {
        await lockTenant(scoped, tenantId);
        if (await isLastOwner(scoped, tenantId, userId)) throw lastOwnerConflict();
        await endIn(scoped, tenantId);
      });
    }
  } else {
    await Promise.all(checked.map((tenantId) => endIn(tx, tenantId)));
  }
  const [left] = await tx
    .select({ tenantId: tenantUsers.tenantId })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted)))
    .limit(1);
  if (left) throw new DataError("conflict", "your workspaces changed while your account was being deleted: try again");
}

const lockTenant = (tx: Executor, tenantId: string) => tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for("update");

const lastOwnerConflict = () => new DataError("conflict", "you are the only owner of a workspace: make someone else owner, or delete it, first");

// Read after the lock, in a statement of its own: it sees whatever the previous holder committed.
async function isLastOwner(tx: Executor, tenantId: string, userId: string): Promise<boolean> {
  const owners = (who: SQL) =>
    tx
      .select({ one: sql`1` })
      .from(tenantUsers)
      .where(liveOwner(tenantId, who));
  const [row] = await tx
    .select({ id: tenants.id })
    .from(tenants)
    .where(
      and(eq(tenants.id, tenantId), isNull(tenants.deleted), exists(owners(eq(tenantUsers.userId, userId))), notExists(owners(ne(tenantUsers.userId, userId)))),
    );
  return row !== undefined;
}
