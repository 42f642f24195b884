import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database, Transaction } from "../client";
import { DataError } from "../errors";
import { parseId } from "../ids";
import { tenants, tenantUsers } from "../schema";
import type { TenantRole } from "./validation";

// Data functions read who is acting from the transaction's context (withTenant / withUser),
// the same settings row-level security reads, so the two can never disagree.

export type Executor = Database | Transaction;

export const contextTenantId = sql<string | null>`nullif(current_setting('nile.tenant_id', true), '')::uuid`;
export const contextUserId = sql<string | null>`nullif(current_setting('nile.user_id', true), '')::uuid`;

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
export async function tenantActor(
  tx: Executor,
  options: { lock?: boolean; allowDeletedTenant?: boolean } = {},
): Promise<TenantActor> {
  // The membership is read after the lock, in a statement of its own: one that waited for
  // the lock would read from before the holder committed (a just-demoted owner as owner).
  if (options.lock) await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, contextTenantId)).for("update");
  const [row] = await tx
    .select({ tenantId: tenantUsers.tenantId, userId: tenantUsers.userId, roles: tenantUsers.roles, tenantDeleted: tenants.deleted })
    .from(tenantUsers)
    .innerJoin(tenants, eq(tenants.id, tenantUsers.tenantId))
    .where(and(eq(tenantUsers.tenantId, contextTenantId), eq(tenantUsers.userId, contextUserId), isNull(tenantUsers.deleted)));
  if (!row || (row.tenantDeleted && !options.allowDeletedTenant)) throw new DataError("not_found", "tenant not found");
  return { ...row, roles: row.roles as TenantRole[] };
}

/** The acting user's id in a user or tenant context, or `not_found`. */
export async function actingUserId(tx: Executor): Promise<string> {
  const [row] = await tx.execute<{ id: string | null }>(sql`SELECT ${contextUserId} AS id`);
  if (!row?.id) throw new DataError("not_found", "user not found");
  return row.id;
}

/**
 * The acting user's id in their own user context, or `not_found`. Account deletion acts on
 * every tenant of the user, which a tenant context would hide: there it is a programming error.
 */
export async function accountHolderId(tx: Executor): Promise<string> {
  const [row] = await tx.execute<{ id: string | null; tenant: string | null }>(sql`SELECT ${contextUserId} AS id, ${contextTenantId} AS tenant`);
  if (!row?.id) throw new DataError("not_found", "user not found");
  if (row.tenant) throw new Error("account deletion runs in the user's own context (withUser), not in a tenant's");
  return row.id;
}

export function requireRole(actor: TenantActor, allowed: TenantRole[], action: string): void {
  if (!actor.roles.some((role) => allowed.includes(role))) {
    throw new DataError("forbidden", `only ${allowed.join(" and ")}s can ${action}`);
  }
}

/**
 * Runs `work` scoped to `tenantId` inside a user context: how a user creates a tenant or
 * restores one of theirs, which no tenant context can be entered for (the tenant does not
 * exist yet, or is deleted). The scope is SET LOCAL, as contexts are; the user context is
 * entered again afterwards, so that it lists the user's tenants as they now are.
 */
export async function inTenantScope<T>(tx: Executor, tenantId: string, work: () => Promise<T>): Promise<T> {
  const id = parseId(tenantId, "tenantId");
  const [outer] = await tx.execute<{ tenant: string | null }>(sql`SELECT ${contextTenantId} AS tenant`);
  if (outer?.tenant) throw new DataError("conflict", "already in a workspace's context");
  await tx.execute(sql.raw(`SET LOCAL nile.tenant_id = '${id}'; SET LOCAL ROLE penguinmails_app`));
  const result = await work();
  await tx.execute(sql`SET LOCAL nile.tenant_id = ''; SET LOCAL ROLE penguinmails_app_user; SELECT penguinmails_rls.enter_user()`);
  return result;
}

