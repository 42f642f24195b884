import { randomUUID } from "node:crypto";
import type { TenantTx, UserTx } from "../client";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { withSystem } from "../context";
import { DataError } from "../errors";
import { parseId } from "../ids";
import { scopeOf } from "../scope";
import { tenants, tenantUsers, users, type Tenant } from "../schema";
import { actingUserId, inTenantScope, requireRole, tenantActor, type Executor } from "./actor";
import { mapErrors } from "./db-errors";
import { copyMemberEmails } from "./memberships";
import { select, statement } from "../driver/statements";
import { parseInput, tenantNameSchema, type TenantRole } from "./validation";

// Tenants (workspaces). Creation runs in the creator's user context; the rest in the
// tenant's own context.

export interface MyTenant {
  id: string;
  name: string;
  created: Date;
  roles: TenantRole[];
}

/**
 * Creates a tenant and, in the same transaction, makes the acting user its owner (user
 * context). The two rows are written in the new tenant's own scope.
 */
export async function createTenant(tx: UserTx, input: { name: string; id?: string }): Promise<Tenant> {
  const name = parseInput(tenantNameSchema, input.name, "name");
  const id = input.id === undefined ? randomUUID() : parseId(input.id, "id");
  const userId = actingUserId(tx);
  const [creator] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deleted)));
  if (!creator) throw new DataError("not_found", "user not found");
  // Two steps: one transaction here; on NileDB, which will not write a tenant and a
  // membership in one, two, the tenant first and outside any context (NileDB refuses a context
  // naming a tenant that does not exist yet). A crash between them leaves a tenant without
  // members, which nobody can enter and the purge removes (retention.ts).
  const insertTenant = async (db: Executor) => (await mapErrors(() => db.insert(tenants).values({ id, name }).returning()))[0]!;
  const { nile } = scopeOf(tx);
  const tenant = nile ? await withSystem(nile, insertTenant) : await inTenantScope(tx, id, insertTenant);
  await inTenantScope(tx, id, async (scoped) => {
    await scoped.insert(tenantUsers).values({ tenantId: id, userId, roles: ["owner"] });
    await copyMemberEmails(scoped, id, [userId]);
  });
  return tenant;
}

/** Owners and admins rename their tenant. */
export async function renameTenant(tx: TenantTx, input: { name: string }): Promise<Tenant> {
  const name = parseInput(tenantNameSchema, input.name, "name");
  const actor = await tenantActor(tx, { lock: true });
  requireRole(actor, ["owner", "admin"], "rename the workspace");
  const [tenant] = await mapErrors(() => tx.update(tenants).set({ name }).where(eq(tenants.id, actor.tenantId)).returning());
  return tenant!;
}

/** Owners soft-delete their tenant; its memberships are hidden with it. */
export async function softDeleteTenant(tx: TenantTx): Promise<void> {
  const actor = await tenantActor(tx, { lock: true });
  requireRole(actor, ["owner"], "delete the workspace");
  await tx
    .update(tenants)
    .set({ deleted: sql`now()` })
    .where(eq(tenants.id, actor.tenantId));
}

/**
 * Owners bring back their soft-deleted tenant (the purge removes it after retention). User
 * context: a deleted tenant's context cannot be entered.
 */
export async function restoreTenant(tx: UserTx, input: { tenantId: string }): Promise<Tenant> {
  const tenantId = parseId(input.tenantId, "tenantId");
  return inTenantScope(tx, tenantId, async (scoped) => {
    const actor = await tenantActor(scoped, { lock: true, allowDeletedTenant: true });
    requireRole(actor, ["owner"], "restore the workspace");
    if (!actor.tenantDeleted) throw new DataError("conflict", "the workspace is not deleted");
    const [tenant] = await scoped.update(tenants).set({ deleted: null }).where(eq(tenants.id, actor.tenantId)).returning();
    return tenant!;
  });
}

const myTenants = statement((db) =>
  db
    .select({ id: tenants.id, name: tenants.name, created: tenants.created, roles: tenantUsers.roles })
    .from(tenantUsers)
    .innerJoin(tenants, eq(tenants.id, tenantUsers.tenantId))
    .where(and(eq(tenantUsers.userId, sql.placeholder("userId")), isNull(tenantUsers.deleted), isNull(tenants.deleted)))
    .orderBy(asc(tenants.name), asc(tenants.id))
    // A parameter, besides capping the list, makes postgres.js use a prepared statement:
    // it sends parameterless SQL through the simple protocol whatever `prepare` says.
    .limit(sql.placeholder("limit"))
    .prepare("penguinmails_my_tenants"),
);

/** More workspaces than anyone belongs to; the list is not paginated. */
const MY_TENANTS_LIMIT = 1000;

/** The acting user's live tenants and their roles there (user context). */
export async function listMyTenants(tx: UserTx): Promise<MyTenant[]> {
  const rows = await select(myTenants, tx, { userId: scopeOf(tx).userId, limit: MY_TENANTS_LIMIT });
  return rows.map((row) => ({ ...row, roles: row.roles as TenantRole[] }));
}
