import { and, desc, eq, gt, isNull, ne, sql, type SQL } from "drizzle-orm";
import { isNileClient, type Database, type SystemTx, type TenantTx, type UserTx } from "../client";
import { scopeOf } from "../scope";
import { withUser } from "../context";
import { DataError } from "../errors";
import { parseId } from "../ids";
import { tenantUsers, users, type User } from "../schema";
import { accountHolderId, actingUserId, inTenantScope, type Executor } from "./actor";
import { findOrCreateUsers } from "./nile-users";
import { mapErrors } from "./db-errors";
import { endMemberships, lockTenantsOfLeavingUser } from "./owners";
import { select, statement, type Statement } from "../driver/statements";
import { newUserSchema, parseEmail, parseInput, profileSchema, type ProfileInput } from "./validation";

// Users. Sign-up runs in the new user's own context (withUser with the id it will have);
// profile changes, deletion and erasure act on the context's user; restore is support
// work on the system path.

export interface NewUserInput {
  id?: string;
  email: string;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
}

export async function createUser(tx: UserTx | SystemTx, input: NewUserInput): Promise<User> {
  const data = parseInput(newUserSchema, input);
  // In a user context only that user can be created (sign-up); RLS refuses the rest on
  // PostgreSQL, the data layer everywhere (NileDB has no user context of its own).
  const { userId, tenantId } = scopeOf(tx);
  if (userId && !tenantId && data.id !== userId) throw new DataError("not_found", "user not found");
  await refuseTakenEmailOnNile(tx, data.email, null);
  const [user] = await mapErrors(() => tx.insert(users).values(data).returning(), "user not found");
  return user!;
}

// In a tenant context a user is seen only as the acting user or a member of the tenant.
// PostgreSQL's row-level security says so too, but Citus (users a reference table, no
// sub-query policy) and NileDB (a shared table) do not: the statement itself does, so the
// check costs no round trip (a membership probe on the tenant's shard, for another user's row).
const visibleInTenant = sql`(${users.id} = ${sql.placeholder("actingUserId")} OR EXISTS (SELECT 1 FROM ${tenantUsers} WHERE ${tenantUsers.tenantId} = ${sql.placeholder("tenantId")} AND ${tenantUsers.userId} = ${users.id}))`;

interface UserLookup {
  /** outside a tenant context (a user context filters its one user after) */
  anywhere: Statement<User>;
  /** in a tenant context: also the placeholders actingUserId and tenantId */
  inTenant: Statement<User>;
}

/** One user matching `where`, or with `liveFirst` the live one before the latest deleted one. */
function userLookup(name: string, where: SQL, liveFirst = false): UserLookup {
  const build = (inTenant: boolean) =>
    statement((db) => {
      const query = db
        .select()
        .from(users)
        .where(inTenant ? and(where, visibleInTenant) : where);
      return (liveFirst ? query.orderBy(sql`${users.deleted} IS NOT NULL`, desc(users.deleted)) : query)
        .limit(1)
        .prepare(`penguinmails_${name}${inTenant ? "_in_tenant" : ""}`);
    });
  return { anywhere: build(false), inTenant: build(true) };
}

const byId = eq(users.id, sql.placeholder("id"));
const byEmail = sql`lower(${users.email}) = lower(${sql.placeholder("email")})`;
const live = isNull(users.deleted);
const liveUserById = userLookup("user_by_id", and(byId, live)!);
const anyUserById = userLookup("any_user_by_id", byId);
const liveUserByEmail = userLookup("user_by_email", and(byEmail, live)!);
const anyUserByEmail = userLookup("any_user_by_email", byEmail, true);

/** The user `lookup` finds, if the context may see it (see visibleInTenant). */
async function findVisible(lookup: UserLookup, tx: Executor, values: Record<string, unknown>): Promise<User | null> {
  const { tenantId, userId } = scopeOf(tx);
  if (tenantId && userId) {
    const [user] = await select(lookup.inTenant, tx, { ...values, actingUserId: userId, tenantId });
    return user ?? null;
  }
  const [user] = await select(lookup.anywhere, tx, values);
  // A user context sees its own user alone (RLS on PostgreSQL; the data layer on every engine).
  return user && (!userId || user.id === userId) ? user : null;
}

/**
 * Development sign-in, until NileDB auth lands: the live user with this email (trimmed, any
 * case), created if there is none. Runs as the runtime role with no context, so it sees
 * nothing but the one user it returns.
 */
export async function signInByEmail(db: Database, email: string): Promise<User> {
  const address = parseEmail(email);
  const userId = isNileClient(db.$client) ? (await findOrCreateUsers(db, [{ email: address }])).get(address)! : await signInOnPostgres(db, address);
  const user = await withUser(db, { userId }, (tx) => findUserById(tx, userId));
  if (!user) throw new DataError("not_found", "user not found");
  return user;
}

async function signInOnPostgres(db: Database, address: string): Promise<string> {
  return db.transaction(async (tx) => {
    // set_config, not SET ROLE: Citus would replay SET ROLE on resolve_user()'s connections (context.ts).
    await tx.execute(sql`SELECT pg_catalog.set_config('role', 'penguinmails_app', true)`);
    const [row] = await mapErrors(() => tx.execute<{ id: string }>(sql`SELECT penguinmails_rls.sign_in(${address}) AS id`));
    return row!.id;
  });
}

export async function findUserById(tx: Executor, id: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
  const userId = parseId(id, "id");
  return findVisible(options.includeDeleted ? anyUserById : liveUserById, tx, { id: userId });
}

/** Case-insensitive and trimmed; served by the live-email unique index. */
export async function findUserByEmail(tx: Executor, email: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
  const address = parseEmail(email);
  return findVisible(options.includeDeleted ? anyUserByEmail : liveUserByEmail, tx, { email: address });
}

// PostgreSQL's unique index on lower(email) among live users has no NileDB counterpart (its
// users_email_key is on the exact text; expression indexes are refused): there the data
// layer asks first. Two writers at once can still both pass (named in data-users.test.ts).
async function refuseTakenEmailOnNile(tx: Executor, email: string, self: string | null): Promise<void> {
  if (!scopeOf(tx).nile) return;
  const [taken] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, isNull(users.deleted), self ? ne(users.id, self) : undefined))
    .limit(1);
  if (taken) throw new DataError("conflict", "that email address is already taken", [{ field: "email", message: "that email address is already taken" }]);
}

/** The acting user's own profile fields (name, given and family name, picture). */
export async function updateProfile(tx: TenantTx | UserTx, input: ProfileInput): Promise<User> {
  const changes = parseInput(profileSchema, input);
  const userId = actingUserId(tx);
  if (Object.keys(changes).length === 0) return requireLiveUser(tx, userId);
  const [user] = await mapErrors(() =>
    tx
      .update(users)
      .set(changes)
      .where(and(eq(users.id, userId), isNull(users.deleted)))
      .returning(),
  );
  if (!user) throw new DataError("not_found", "user not found");
  return user;
}

/** A new address for the acting user: unverified until verified again. */
export async function changeEmail(tx: UserTx, email: string): Promise<User> {
  const address = parseEmail(email);
  const userId = actingUserId(tx);
  await refuseTakenEmailOnNile(tx, address, userId);
  const [user] = await mapErrors(() =>
    tx
      .update(users)
      .set({ email: address, emailVerified: null })
      .where(and(eq(users.id, userId), isNull(users.deleted)))
      .returning(),
  );
  if (!user) throw new DataError("not_found", "user not found");
  // The memberships' copies follow (a trigger does it too on PostgreSQL; Citus has none). On
  // NileDB, tenant by tenant, each in a transaction of its own, committed before this one: a
  // copy is never read to decide anything, and the next change rewrites it.
  const live = and(eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted));
  if (scopeOf(tx).nile) {
    const homes = await tx.select({ tenantId: tenantUsers.tenantId }).from(tenantUsers).where(live);
    for (const { tenantId } of homes) {
      await inTenantScope(tx, tenantId, (scoped) =>
        scoped
          .update(tenantUsers)
          .set({ email: user.email })
          .where(and(eq(tenantUsers.tenantId, tenantId), live)),
      );
    }
  } else {
    await tx.update(tenantUsers).set({ email: user.email }).where(live);
  }
  return user;
}

export async function markEmailVerified(tx: TenantTx | UserTx): Promise<User> {
  const userId = actingUserId(tx);
  const [user] = await tx
    .update(users)
    .set({ emailVerified: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.deleted)))
    .returning();
  if (!user) throw new DataError("not_found", "user not found");
  return user;
}

/**
 * Soft-deletes the acting user and, in the same transaction, their memberships (user
 * context). Refused with `conflict` for the only owner of a live workspace.
 */
export async function softDeleteUser(tx: UserTx): Promise<void> {
  const userId = accountHolderId(tx);
  const checked = await lockTenantsOfLeavingUser(tx, userId);
  // The memberships carry the user's own timestamp (restoreUser finds them by it), also on
  // NileDB, where they are written in transactions of their own: the transaction's now(), as
  // text to keep the microseconds, asked first (Citus refuses a cast of it in RETURNING).
  const [{ at }] = (await tx.execute<{ at: string }>(sql`SELECT now()::text AS at`)) as unknown as [{ at: string }];
  const [user] = await tx
    .update(users)
    .set({ deleted: sql`${at}::timestamptz` })
    .where(and(eq(users.id, userId), isNull(users.deleted)))
    .returning({ id: users.id });
  if (!user) throw new DataError("not_found", "user not found");
  await endMemberships(tx, userId, checked, { deletedAt: at });
}

/**
 * Brings back a soft-deleted user, and the memberships deleted with them, within the
 * retention period. System path (the user's own context cannot see their deleted memberships).
 * Refused with `conflict` when a live account now holds the same email.
 */
export async function restoreUser(tx: SystemTx, input: { userId: string; retentionDays?: number }): Promise<User> {
  const userId = parseId(input.userId, "userId");
  const days = input.retentionDays ?? 30;
  const [gone] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, userId), gt(users.deleted, sql`now() - make_interval(days => ${days})`)));
  if (!gone) throw new DataError("not_found", "no deleted user to restore");
  const [{ email }] = (await tx.select({ email: users.email }).from(users).where(eq(users.id, userId))) as [{ email: string }];
  await refuseTakenEmailOnNile(tx, email, userId);
  // Memberships deleted in the same transaction as the user carry the same timestamp
  // (compared in SQL: JavaScript dates would drop the microseconds).
  const deletedWithUser = and(
    eq(tenantUsers.userId, userId),
    eq(tenantUsers.deleted, sql`(SELECT ${users.deleted} FROM ${users} WHERE ${users.id} = ${userId})`),
  );
  if (scopeOf(tx).nile) {
    // One tenant per transaction on NileDB, before the user (whose timestamp finds them).
    const homes = await tx.selectDistinct({ tenantId: tenantUsers.tenantId }).from(tenantUsers).where(deletedWithUser);
    for (const { tenantId } of homes) {
      await inTenantScope(tx, tenantId, (scoped) =>
        scoped
          .update(tenantUsers)
          .set({ deleted: null })
          .where(and(eq(tenantUsers.tenantId, tenantId), deletedWithUser)),
      );
    }
  } else {
    await tx.update(tenantUsers).set({ deleted: null }).where(deletedWithUser);
  }
  const [user] = await mapErrors(() => tx.update(users).set({ deleted: null }).where(eq(users.id, userId)).returning());
  return user!;
}

/**
 * GDPR erasure of the acting user (user context): a hard delete; memberships go by cascade,
 * and with them the copies of the email they held. Nothing of the person remains.
 * Refused with `conflict` for the only owner of a live workspace.
 */
export async function eraseUser(tx: UserTx): Promise<void> {
  const userId = accountHolderId(tx);
  const checked = await lockTenantsOfLeavingUser(tx, userId);
  // The live memberships go first, tenant by tenant; the cascade takes the deleted ones. NileDB
  // has no cascade to users: there the deleted ones go too, tenant by tenant, before the user.
  await endMemberships(tx, userId, checked, "delete");
  if (scopeOf(tx).nile) {
    const homes = await tx.selectDistinct({ tenantId: tenantUsers.tenantId }).from(tenantUsers).where(eq(tenantUsers.userId, userId));
    for (const { tenantId } of homes) {
      await inTenantScope(tx, tenantId, (scoped) => scoped.delete(tenantUsers).where(and(eq(tenantUsers.tenantId, tenantId), eq(tenantUsers.userId, userId))));
    }
  }
  const erased = await tx.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
  if (erased.length === 0) throw new DataError("not_found", "user not found");
}

async function requireLiveUser(tx: Executor, userId: string): Promise<User> {
  const [user] = await tx
    .select()
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deleted)));
  if (!user) throw new DataError("not_found", "user not found");
  return user;
}
