import { and, eq, isNull, sql } from "drizzle-orm";
import type { AnyTx, SystemTx, TenantTx, UserTx } from "../client";
import { DataError } from "../errors";
import { parseId } from "../ids";
import { withTenantScope } from "../context";
import { scopeOf } from "../scope";
import { tenants, tenantUsers } from "../schema";
import type { TenantRole } from "./validation";

// Data functions read who is acting from the transaction's scope (withTenant / withUser),
// the ids row-level security reads from the same context, and bind them as parameters.

/** Any context's transaction; each data function narrows it to the scopes it runs in. */
export type Executor = AnyTx;

export interface TenantActor {
  tenantId: string;
  userId: string;
  roles: TenantRole[];
  tenantDeleted: Date | null;
}

/**
 * The acting user's live membership in the context's tenant, or `not_found`. With `lock`,
 * the tenant row is locked for the rest of the transaction, so membership changes in one
 * tenant run one at a time (that is what keeps "at least one owner" true under concurrency).
 */
export async function tenantActor(tx: TenantTx, options: { lock?: boolean; allowDeletedTenant?: boolean } = {}): Promise<TenantActor> {
  // The membership is read after the lock, in a statement of its own: one that waited for
  // the lock would read from before the holder committed (a just-demoted owner as owner).
  const { tenantId, userId } = scopeOf(tx);
  if (!tenantId || !userId) throw new DataError("not_found", "tenant not found");
  if (options.lock) await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for("update");
  const [row] = await tx
    .select({ tenantId: tenantUsers.tenantId, userId: tenantUsers.userId, roles: tenantUsers.roles, tenantDeleted: tenants.deleted })
    .from(tenantUsers)
    .innerJoin(tenants, eq(tenants.id, tenantUsers.tenantId))
    .where(and(eq(tenantUsers.tenantId, tenantId), eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted)));
  if (!row || (row.tenantDeleted && !options.allowDeletedTenant)) throw new DataError("not_found", "tenant not found");
  return { ...row, roles: row.roles as TenantRole[] };
}

/** The acting user's id in a user or tenant context, or `not_found`. */
export function actingUserId(tx: TenantTx | UserTx): string {
  const { userId } = scopeOf(tx);
  if (!userId) throw new DataError("not_found", "user not found");
  return userId;
}

/**
 * The acting user's id in their own user context, or `not_found`. Account deletion acts on
 * every tenant of the user, which a tenant context would hide: there it is a programming error.
 */
export function accountHolderId(tx: UserTx): string {
  const { userId, tenantId } = scopeOf(tx);
  if (!userId) throw new DataError("not_found", "user not found");
  if (tenantId) throw new Error("account deletion runs in the user's own context (withUser), not in a tenant's");
  return userId;
}

export function requireRole(actor: TenantActor, allowed: TenantRole[], action: string): void {
  if (!actor.roles.some((role) => allowed.includes(role))) {
    throw new DataError("forbidden", `only ${allowed.join(" and ")}s can ${action}`);
  }
}

/**
 * Runs `work` scoped to `tenantId` inside a user context: how a user creates a tenant or
 * restores one of theirs, which no tenant context can be entered for (the tenant does not
 * exist yet, or is deleted). The scope is SET LOCAL, as contexts are, and the role stays the
 * user context's (its policies include the tenant scope's, migration 0009): Citus refuses a
 * transaction that reads, as one role, shards another role wrote. The user context is
 * entered again afterwards, so that it lists the user's tenants as they now are.
 */
export async function inTenantScope<T>(tx: UserTx | SystemTx, tenantId: string, work: (scoped: TenantTx) => Promise<T>): Promise<T> {
  const id = parseId(tenantId, "tenantId");
  const scope = scopeOf(tx);
  if (scope.tenantId) throw new DataError("conflict", "already in a workspace's context");
  // NileDB allows nile.tenant_id only first in a transaction: the scope is a transaction of
  // its own there, committed before this one.
  if (scope.nile) return withTenantScope(scope.nile, id, scope.userId, work);
  // One query per statement: Citus replays a SET LOCAL on its workers by the text of the
  // query that carried it, so it must carry nothing else (see context.ts).
  await tx.execute(sql.raw(`SET LOCAL nile.tenant_id = '${id}'`));
  scope.tenantId = id;
  let result: T;
  try {
    // The same transaction, now scoped to the tenant (the policies see the setting).
    result = await work(tx as unknown as TenantTx);
  } finally {
    scope.tenantId = null;
  }
  await Promise.all([tx.execute(sql.raw("SET LOCAL nile.tenant_id = ''")), tx.execute(sql.raw("SELECT penguinmails_rls.enter_user()"))]);
  return result;
}
