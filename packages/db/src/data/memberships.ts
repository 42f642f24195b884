import { and, asc, eq, exists, gt, isNull, sql } from "drizzle-orm";
import type { TenantTx } from "../client";
import { DataError } from "../errors";
import { parseId } from "../ids";
import { tenants, tenantUsers, users } from "../schema";
import { scopeOf } from "../scope";
import { requireRole, tenantActor } from "./actor";
import { mapErrors } from "./db-errors";
import { findOrCreateUsers } from "./nile-users";
import { requireAnotherOwner } from "./owners";
import { insertRows, select, statement, type StatementBuilder } from "../driver/statements";
import { memberImportSchema, memberPageSchema, newMemberSchema, parseInput, rolesSchema, type TenantRole } from "./validation";

// Memberships of the context's tenant. Rules: owners and admins add and remove members and
// change roles; only owners grant or revoke `owner`; nobody raises their own roles; a tenant
// always keeps a live owner. Every change locks the tenant row first, so concurrent changes
// in one tenant are checked one after another.

export interface Member {
  userId: string;
  email: string;
  name: string | null;
  roles: TenantRole[];
  created: Date;
  deleted: Date | null;
}

export interface MemberPage {
  members: Member[];
  /** pass as `after` for the next page; null on the last page */
  nextCursor: string | null;
}

const memberColumns = {
  userId: tenantUsers.userId,
  email: users.email,
  name: users.name,
  roles: tenantUsers.roles,
  created: tenantUsers.created,
  deleted: tenantUsers.deleted,
};

// Keyset pages on the primary key (tenant_id, user_id): one index range scan per page.
// That the tenant is live is asked once, as an uncorrelated EXISTS (a one-time filter in the
// plan), not joined per row: under row-level security the join re-probed the tenant for
// each of the page's rows.
const memberPage = (db: StatementBuilder, fromCursor: boolean) =>
  db
    .select(memberColumns)
    .from(tenantUsers)
    .innerJoin(users, eq(users.id, tenantUsers.userId))
    .where(
      and(
        exists(
          db
            .select({ live: sql`1` })
            .from(tenants)
            .where(and(eq(tenants.id, sql.placeholder("tenantId")), isNull(tenants.deleted))),
        ),
        eq(tenantUsers.tenantId, sql.placeholder("tenantId")),
        sql`(${tenantUsers.deleted} IS NULL OR ${sql.placeholder("includeDeleted")})`,
        fromCursor ? gt(tenantUsers.userId, sql.placeholder("after")) : undefined,
      ),
    )
    .orderBy(asc(tenantUsers.userId))
    .limit(sql.placeholder("limit"));

const firstMemberPage = statement((db) => memberPage(db, false).prepare("penguinmails_members_first"));
const nextMemberPage = statement((db) => memberPage(db, true).prepare("penguinmails_members_next"));

/** Adds a member by email; an unknown email creates the user, as an invitation would. */
export async function addMember(tx: TenantTx, input: { email: string; roles: TenantRole[] }): Promise<Member> {
  const { email, roles } = parseInput(newMemberSchema, input);
  const actor = await tenantActor(tx, { lock: true });
  requireRole(actor, ["owner", "admin"], "add members");
  if (roles.includes("owner")) requireRole(actor, ["owner"], "grant the owner role");

  const userId = await resolveUser(tx, email);
  const [existing] = await tx
    .select({ deleted: tenantUsers.deleted })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.tenantId, actor.tenantId), eq(tenantUsers.userId, userId)));
  if (existing && !existing.deleted) {
    throw new DataError("conflict", "already a member of this tenant", [{ field: "email", message: "is already a member" }]);
  }
  // A removed member comes back as a new membership would: fresh roles, live again.
  await mapErrors(() =>
    existing
      ? tx
          .update(tenantUsers)
          .set({ roles, deleted: null })
          .where(and(eq(tenantUsers.tenantId, actor.tenantId), eq(tenantUsers.userId, userId)))
      : tx.insert(tenantUsers).values({ tenantId: actor.tenantId, userId, roles }),
  );
  await copyMemberEmails(tx, actor.tenantId, [userId]);
  return requireMember(tx, actor.tenantId, userId);
}

export interface MemberImport {
  email: string;
  name?: string | null;
  roles: TenantRole[];
}

/**
 * The bulk path: adds many members at once (unknown emails become users), in two
 * set-based statements. Live members are left as they are and not counted; removed ones
 * come back with the new roles, as with addMember.
 * Same rules as addMember: owners and admins import; only owners grant `owner`.
 */
export async function importMembers(tx: TenantTx, input: { members: MemberImport[] }): Promise<{ added: number }> {
  const rows = parseInput(memberImportSchema, input.members, "members");
  const actor = await tenantActor(tx, { lock: true });
  requireRole(actor, ["owner", "admin"], "add members");
  if (rows.some((row) => row.roles.includes("owner"))) requireRole(actor, ["owner"], "grant the owner role");

  const emails = rows.map((row) => row.email);
  const names = rows.map((row) => row.name ?? null);
  const ids = await resolveUsers(tx, emails, names);
  const result = await mapErrors(() =>
    insertRows<{ user_id: string }>(tx, {
      head: sql`INSERT INTO ${tenantUsers} (tenant_id, user_id, roles)`,
      types: ["uuid", "uuid", "text[]"],
      rows: rows.map((row) => [actor.tenantId, ids.get(row.email)!, row.roles]),
      // excluded.updated is the row's default, now(): Citus refuses functions here.
      tail: sql`ON CONFLICT (tenant_id, user_id) DO UPDATE SET roles = excluded.roles, deleted = NULL, updated = excluded.updated
        WHERE ${tenantUsers.deleted} IS NOT NULL RETURNING user_id`,
    }),
  );
  await copyMemberEmails(
    tx,
    actor.tenantId,
    result.map((row) => row.user_id),
  );
  return { added: result.length };
}

/**
 * A page of the tenant's members, in a stable order (user id), keyset-paginated: pass the
 * previous page's `nextCursor` as `after`. Soft-deleted memberships only when asked.
 */
export async function listMembers(tx: TenantTx, input: { after?: string; limit?: number; includeDeleted?: boolean } = {}): Promise<MemberPage> {
  const { after, limit, includeDeleted } = parseInput(memberPageSchema, input);
  const values = { tenantId: scopeOf(tx).tenantId, limit: limit + 1, includeDeleted, after };
  const rows = await select(after ? nextMemberPage : firstMemberPage, tx, values);
  // A live tenant always has an owner, so an empty first page means no access at all.
  if (rows.length === 0 && !after) await tenantActor(tx);
  // The rows are already Members (roles are checked by the database); no copy per row.
  const page = rows.slice(0, limit) as Member[];
  return { members: page, nextCursor: rows.length > limit ? page.at(-1)!.userId : null };
}

/** Replaces a member's roles. */
export async function changeRoles(tx: TenantTx, input: { userId: string; roles: TenantRole[] }): Promise<Member> {
  const userId = parseId(input.userId, "userId");
  const roles = parseInput(rolesSchema, input.roles, "roles");
  const actor = await tenantActor(tx, { lock: true });
  requireRole(actor, ["owner", "admin"], "change roles");
  const target = await requireMember(tx, actor.tenantId, userId);

  if (userId === actor.userId && rank(roles) > rank(actor.roles)) {
    throw new DataError("forbidden", "nobody can raise their own roles");
  }
  const ownerBefore = target.roles.includes("owner");
  const ownerAfter = roles.includes("owner");
  if (ownerBefore !== ownerAfter) requireRole(actor, ["owner"], "grant or revoke the owner role");
  if (ownerBefore && !ownerAfter) await requireAnotherOwner(tx, actor.tenantId, userId);

  await mapErrors(() =>
    tx
      .update(tenantUsers)
      .set({ roles })
      .where(and(eq(tenantUsers.tenantId, actor.tenantId), eq(tenantUsers.userId, userId))),
  );
  return { ...target, roles };
}

/** Removes a member (soft delete). Removing yourself is leaving, which anyone may do. */
export async function removeMember(tx: TenantTx, input: { userId: string }): Promise<void> {
  const userId = parseId(input.userId, "userId");
  const actor = await tenantActor(tx, { lock: true });
  const target = await requireMember(tx, actor.tenantId, userId);
  if (userId !== actor.userId) {
    requireRole(actor, ["owner", "admin"], "remove members");
    if (target.roles.includes("owner")) requireRole(actor, ["owner"], "remove an owner");
  }
  if (target.roles.includes("owner")) await requireAnotherOwner(tx, actor.tenantId, userId);
  await tx
    .update(tenantUsers)
    .set({ deleted: sql`now()` })
    .where(and(eq(tenantUsers.tenantId, actor.tenantId), eq(tenantUsers.userId, userId)));
}

/** The acting user leaves the context's tenant (refused for its last owner). */
export async function leaveTenant(tx: TenantTx): Promise<void> {
  const actor = await tenantActor(tx);
  await removeMember(tx, { userId: actor.userId });
}

/**
 * A membership carries a copy of its user's email (NileDB's tenant_users.email). The data
 * layer writes it, on every engine: Citus refuses the trigger that does it on PostgreSQL.
 */
export async function copyMemberEmails(tx: TenantTx, tenantId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await tx.execute(sql`
    UPDATE ${tenantUsers} m SET email = u.email, updated = now()
    FROM ${users} u
    WHERE m.tenant_id = ${tenantId} AND m.user_id = ANY (${sql.param(userIds)}::uuid[])
      AND u.id = m.user_id AND m.email IS DISTINCT FROM u.email`);
}

// Each email's live user, created where missing: by the SQL functions on PostgreSQL (in this
// transaction), in a transaction of their own on NileDB (nile-users.ts).
async function resolveUser(tx: TenantTx, email: string): Promise<string> {
  const { nile } = scopeOf(tx);
  if (nile) return (await findOrCreateUsers(nile, [{ email }])).get(email)!;
  const [resolved] = await mapErrors(() => tx.execute<{ id: string }>(sql`SELECT penguinmails_rls.resolve_user(${email}) AS id`));
  return resolved!.id;
}

async function resolveUsers(tx: TenantTx, emails: string[], names: (string | null)[]): Promise<Map<string, string>> {
  const { nile } = scopeOf(tx);
  if (nile)
    return findOrCreateUsers(
      nile,
      emails.map((email, i) => ({ email, name: names[i] ?? null })),
    );
  // Each array goes as one parameter (drizzle would otherwise spread it into a row).
  const resolved = await mapErrors(() =>
    tx.execute<{ email: string; id: string }>(
      sql`SELECT r.email, r.id FROM penguinmails_rls.resolve_users(${sql.param(emails)}::text[], ${sql.param(names)}::text[]) r`,
    ),
  );
  // resolve_users returns each email as passed (the normalized form), so no case folding
  // here: JavaScript's and the database's lower() differ on a few non-ASCII letters.
  return new Map(resolved.map((row) => [row.email, row.id]));
}

async function requireMember(tx: TenantTx, tenantId: string, userId: string): Promise<Member> {
  const [row] = await tx
    .select(memberColumns)
    .from(tenantUsers)
    .innerJoin(users, eq(users.id, tenantUsers.userId))
    .where(and(eq(tenantUsers.tenantId, tenantId), eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted)));
  if (!row) throw new DataError("not_found", "member not found");
  return toMember(row);
}

// owner > admin > member > viewer: raising means reaching a higher role than one holds.
const RANK: Record<TenantRole, number> = { viewer: 1, member: 2, admin: 3, owner: 4 };
function rank(roles: TenantRole[]): number {
  return Math.max(0, ...roles.map((role) => RANK[role]));
}

function toMember(row: { userId: string; email: string; name: string | null; roles: string[]; created: Date; deleted: Date | null }): Member {
  return { ...row, roles: row.roles as TenantRole[] };
}
