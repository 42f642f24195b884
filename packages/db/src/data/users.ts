import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "../client";
import { withUser } from "../context";
import { DataError } from "../errors";
import { parseId } from "../ids";
import { tenantUsers, users, type User } from "../schema";
import { accountHolderId, actingUserId, type Executor } from "./actor";
import { mapErrors } from "./db-errors";
import { endMemberships, lockTenantsOfLeavingUser } from "./owners";
import { select, statement } from "./statements";
import { emailSchema, newUserSchema, parseInput, profileSchema, type ProfileInput } from "./validation";

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

export async function createUser(tx: Executor, input: NewUserInput): Promise<User> {
  const data = parseInput(newUserSchema, input);
  const [user] = await mapErrors(() => tx.insert(users).values(data).returning(), "user not found");
  return user!;
}

const liveUserById = statement((db) =>
  db.select().from(users).where(and(eq(users.id, sql.placeholder("id")), isNull(users.deleted))).prepare("penguinmails_user_by_id"),
);

const anyUserById = statement((db) =>
  db.select().from(users).where(eq(users.id, sql.placeholder("id"))).prepare("penguinmails_any_user_by_id"),
);

const userByEmail = statement((db) =>
  db
    .select()
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${sql.placeholder("email")})`, isNull(users.deleted)))
    .limit(1)
    .prepare("penguinmails_user_by_email"),
);

const anyUserByEmail = statement((db) =>
  db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${sql.placeholder("email")})`)
    .orderBy(sql`${users.deleted} IS NOT NULL`, desc(users.deleted))
    .limit(1)
    .prepare("penguinmails_any_user_by_email"),
);

/**
 * Development sign-in, until NileDB auth lands: the live user with this email (trimmed, any
 * case), created if there is none. Runs as the runtime role with no context, so it sees
 * nothing but the one user it returns.
 */
export async function signInByEmail(db: Database, email: string): Promise<User> {
  const address = parseInput(emailSchema, email, "email");
  const userId = await db.transaction(async (tx) => {
    // set_config, not SET ROLE: Citus would replay SET ROLE on resolve_user()'s connections (context.ts).
    await tx.execute(sql`SELECT pg_catalog.set_config('role', 'penguinmails_app', true)`);
    const [row] = await mapErrors(() => tx.execute<{ id: string }>(sql`SELECT penguinmails_rls.sign_in(${address}) AS id`));
    return row!.id;
  });
  const user = await withUser(db, { userId }, (tx) => findUserById(tx, userId));
  if (!user) throw new DataError("not_found", "user not found");
  return user;
}

export async function findUserById(tx: Executor, id: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
  const userId = parseId(id, "id");
  const [user] = await select(options.includeDeleted ? anyUserById : liveUserById, tx, { id: userId });
  return user ?? null;
}

/** Case-insensitive and trimmed; served by the live-email unique index. */
export async function findUserByEmail(tx: Executor, email: string, options: { includeDeleted?: boolean } = {}): Promise<User | null> {
  const address = parseInput(emailSchema, email, "email");
  const [user] = await select(options.includeDeleted ? anyUserByEmail : userByEmail, tx, { email: address });
  return user ?? null;
}

/** The acting user's own profile fields (name, given and family name, picture). */
export async function updateProfile(tx: Executor, input: ProfileInput): Promise<User> {
  const changes = parseInput(profileSchema, input);
  const userId = actingUserId(tx);
  if (Object.keys(changes).length === 0) return requireLiveUser(tx, userId);
  const [user] = await mapErrors(() =>
    tx.update(users).set(changes).where(and(eq(users.id, userId), isNull(users.deleted))).returning(),
  );
  if (!user) throw new DataError("not_found", "user not found");
  return user;
}

/** A new address for the acting user: unverified until verified again. */
export async function changeEmail(tx: Executor, email: string): Promise<User> {
  const address = parseInput(emailSchema, email, "email");
  const userId = actingUserId(tx);
  const [user] = await mapErrors(() =>
    tx.update(users).set({ email: address, emailVerified: null }).where(and(eq(users.id, userId), isNull(users.deleted))).returning(),
  );
  if (!user) throw new DataError("not_found", "user not found");
  // The memberships' copies follow (a trigger does it too on PostgreSQL; Citus has none).
  await tx
    .update(tenantUsers)
    .set({ email: user.email })
    .where(and(eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted)));
  return user;
}

export async function markEmailVerified(tx: Executor): Promise<User> {
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
export async function softDeleteUser(tx: Executor): Promise<void> {
  const userId = accountHolderId(tx);
  const checked = await lockTenantsOfLeavingUser(tx, userId);
  const [user] = await tx
    .update(users)
    .set({ deleted: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.deleted)))
    .returning({ id: users.id });
  if (!user) throw new DataError("not_found", "user not found");
  await endMemberships(tx, userId, checked, "soft-delete");
}

/**
 * Brings back a soft-deleted user, and the memberships deleted with them, within the
 * retention period. System path (the user's own context cannot see their deleted memberships).
 * Refused with `conflict` when a live account now holds the same email.
 */
export async function restoreUser(tx: Executor, input: { userId: string; retentionDays?: number }): Promise<User> {
  const userId = parseId(input.userId, "userId");
  const days = input.retentionDays ?? 30;
  const [gone] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, userId), gt(users.deleted, sql`now() - make_interval(days => ${days})`)));
  if (!gone) throw new DataError("not_found", "no deleted user to restore");
  // Memberships deleted in the same transaction as the user carry the same timestamp
  // (compared in SQL: JavaScript dates would drop the microseconds).
  await tx
    .update(tenantUsers)
    .set({ deleted: null })
    .where(and(eq(tenantUsers.userId, userId), eq(tenantUsers.deleted, sql`(SELECT ${users.deleted} FROM ${users} WHERE ${users.id} = ${userId})`)));
  const [user] = await mapErrors(() => tx.update(users).set({ deleted: null }).where(eq(users.id, userId)).returning());
  return user!;
}

/**
 * GDPR erasure of the acting user (user context): a hard delete; memberships go by cascade,
 * and with them the copies of the email they held. Nothing of the person remains.
 * Refused with `conflict` for the only owner of a live workspace.
 */
export async function eraseUser(tx: Executor): Promise<void> {
  const userId = accountHolderId(tx);
  const checked = await lockTenantsOfLeavingUser(tx, userId);
  // The live memberships go first, tenant by tenant; the cascade takes the deleted ones.
  await endMemberships(tx, userId, checked, "delete");
  const erased = await tx.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
  if (erased.length === 0) throw new DataError("not_found", "user not found");
}

async function requireLiveUser(tx: Executor, userId: string): Promise<User> {
  const [user] = await tx.select().from(users).where(and(eq(users.id, userId), isNull(users.deleted)));
  if (!user) throw new DataError("not_found", "user not found");
  return user;
}
