import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { isNileClient, stepsPoolOf, type AnyTx, type Database, type SystemTx } from "../client";
import { withSystem, withTenantScope } from "../context";
import { tenants, tenantUsers, users } from "../schema";

// GDPR retention: rows soft-deleted more than `retentionDays` ago are erased for good.
// Each batch is one short transaction on the system path (the only context that crosses
// tenants). Every row lock names its tenant (or is on `users`, the shared table): Citus
// takes row locks only within one shard, so a batch locks tenant by tenant, in id order.
// Rows are locked with SKIP LOCKED, so workers running at once take disjoint rows and
// none waits for, or deletes, another's.

export interface PurgeOptions {
  retentionDays: number;
  batchSize: number;
  /** aborting stops the purge after the batch in flight commits */
  signal?: AbortSignal;
  /** called after each batch commits; the next batch waits for it */
  onBatch?: (batch: PurgeBatch) => void | Promise<void>;
}

export type PurgedTable = "users" | "tenants" | "tenant_users";

/** What one committed batch removed. */
export interface PurgeBatch {
  table: PurgedTable;
  users: number;
  tenants: number;
  /** memberships removed: with their user or tenant (by cascade), or on their own */
  memberships: number;
}

export interface PurgeReport {
  users: number;
  tenants: number;
  memberships: number;
  batches: number;
  /** the signal stopped the purge before it reached the end of the backlog */
  interrupted: boolean;
  /** rows deleted before this instant were in scope */
  cutoff: string;
}

interface PassResult extends PurgeBatch {
  /** rows found past retention */
  found: number;
  /** of those, rows this batch locked (the others are another worker's) */
  locked: number;
}

type Pass = (tx: SystemTx, cutoff: string, limit: number) => Promise<PassResult>;
/** A pass that opens its own transactions (NileDB's: one scope per transaction). */
type OwnPass = (db: Database, cutoff: string, limit: number) => Promise<PassResult>;

// A batch that waits this long for a row lock (a web request holding a membership) fails
// and is retried later, rather than holding its own locks meanwhile.
const LOCK_TIMEOUT = "5s";

/** Erases users, tenants and memberships soft-deleted before the retention period. */
export async function purgeDeleted(db: Database, options: PurgeOptions): Promise<PurgeReport> {
  const cutoff = await retentionCutoff(db, options.retentionDays);
  const report: PurgeReport = { users: 0, tenants: 0, memberships: 0, batches: 0, interrupted: false, cutoff };
  for (const pass of isNileClient(db.$client) ? NILE_PASSES : PASSES.map(inOneTransaction)) {
    for (;;) {
      if (options.signal?.aborted) return { ...report, interrupted: true };
      const { found, locked, ...batch } = await pass(db, cutoff, options.batchSize);
      if (locked > 0) {
        report.users += batch.users;
        report.tenants += batch.tenants;
        report.memberships += batch.memberships;
        report.batches++;
        await options.onBatch?.(batch);
      }
      // A short batch means the backlog is done; nothing locked, that what is left is
      // another worker's.
      if (found < options.batchSize || locked === 0) break;
    }
  }
  return report;
}

// A batch is one transaction on the system path.
function inOneTransaction(pass: Pass): OwnPass {
  return (db, cutoff, limit) => withSystem(db, (tx) => boundedLocks(tx).then(() => pass(tx, cutoff, limit)));
}

// SET LOCAL rather than set_config(): Citus passes it on to its workers.
const boundedLocks = (tx: AnyTx) => tx.execute(sql.raw(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`));

// From the database's clock, once per run, as text: microsecond precision survives. In a
// context, so that the client's deadline bounds it like every batch.
async function retentionCutoff(db: Database, retentionDays: number): Promise<string> {
  const [row] = await withSystem(db, (tx) =>
    tx.execute<{ cutoff: string }>(sql`SELECT (now() - make_interval(hours => ${retentionDays * 24}))::text AS cutoff`),
  );
  if (!row) throw new Error("the database returned no time");
  return row.cutoff;
}

const pastRetention = (column: typeof users.deleted | typeof tenants.deleted | typeof tenantUsers.deleted, cutoff: string) =>
  sql`${column} < ${cutoff}::timestamptz`;

// Locks `userIds`' memberships (all of them, or of one tenant), tenant by tenant and in
// primary-key order, so that two purges sharing memberships queue on the first shared row
// rather than deadlock; counts what the cascade is about to delete.
async function lockMemberships(tx: SystemTx, tenantIds: string[], userIds: string[] | null): Promise<number> {
  let locked = 0;
  for (const tenantId of [...tenantIds].sort()) {
    const rows = await tx
      .select({ userId: tenantUsers.userId })
      .from(tenantUsers)
      .where(and(eq(tenantUsers.tenantId, tenantId), userIds ? inArray(tenantUsers.userId, userIds) : undefined))
      .orderBy(asc(tenantUsers.userId))
      .for("update");
    locked += rows.length;
  }
  return locked;
}

// Up to `limit` users past retention, locked; those another purge holds are skipped.
const lockUsersPastRetention = (tx: SystemTx, cutoff: string, limit: number) =>
  tx.select({ id: users.id }).from(users).where(pastRetention(users.deleted, cutoff)).orderBy(asc(users.id)).limit(limit).for("update", { skipLocked: true });

// Users (the shared table) are locked in one statement; their memberships by cascade.
async function purgeUsers(tx: SystemTx, cutoff: string, limit: number): Promise<PassResult> {
  const doomed = await lockUsersPastRetention(tx, cutoff, limit);
  const none = { table: "users" as const, found: doomed.length, locked: doomed.length, users: 0, tenants: 0, memberships: 0 };
  if (doomed.length === 0) return none;
  const ids = doomed.map((row) => row.id);
  // No membership can be added meanwhile: that would need a key lock on a user row we hold.
  const homes = await tx.selectDistinct({ tenantId: tenantUsers.tenantId }).from(tenantUsers).where(inArray(tenantUsers.userId, ids));
  const memberships = await lockMemberships(
    tx,
    homes.map((home) => home.tenantId),
    ids,
  );
  const removed = await tx
    .delete(users)
    .where(and(inArray(users.id, ids), pastRetention(users.deleted, cutoff)))
    .returning({ id: users.id });
  return { ...none, users: removed.length, memberships };
}

// Tenants are found first, then each is locked on its own (a single-shard lock on Citus).
async function purgeTenants(tx: SystemTx, cutoff: string, limit: number): Promise<PassResult> {
  const found = await tx.select({ id: tenants.id }).from(tenants).where(pastRetention(tenants.deleted, cutoff)).orderBy(asc(tenants.id)).limit(limit);
  const result: PassResult = { table: "tenants", found: found.length, locked: 0, users: 0, tenants: 0, memberships: 0 };
  for (const { id } of found) {
    const [mine] = await tx
      .select({ id: tenants.id })
      .from(tenants)
      .where(and(eq(tenants.id, id), pastRetention(tenants.deleted, cutoff)))
      .for("update", { skipLocked: true });
    if (!mine) continue;
    result.locked++;
    result.memberships += await lockMemberships(tx, [id], null);
    const removed = await tx.delete(tenants).where(eq(tenants.id, id)).returning({ id: tenants.id });
    result.tenants += removed.length;
  }
  return result;
}

// Memberships soft-deleted on their own while their user and tenant live on, tenant by tenant.
async function purgeMemberships(tx: SystemTx, cutoff: string, limit: number): Promise<PassResult> {
  const found = await tx
    .select({ tenantId: tenantUsers.tenantId, userId: tenantUsers.userId })
    .from(tenantUsers)
    .where(pastRetention(tenantUsers.deleted, cutoff))
    .orderBy(asc(tenantUsers.tenantId), asc(tenantUsers.userId))
    .limit(limit);
  const result: PassResult = { table: "tenant_users", found: found.length, locked: 0, users: 0, tenants: 0, memberships: 0 };
  const byTenant = new Map<string, string[]>();
  for (const row of found) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row.userId]);
  for (const [tenantId, userIds] of byTenant) {
    const removed = await tx.execute<{ one: number }>(sql`
      WITH doomed AS (
        SELECT ${tenantUsers.userId} AS user_id FROM ${tenantUsers}
        WHERE ${tenantUsers.tenantId} = ${tenantId} AND ${inArray(tenantUsers.userId, userIds)}
          AND ${pastRetention(tenantUsers.deleted, cutoff)}
        ORDER BY ${tenantUsers.userId}
        FOR UPDATE SKIP LOCKED
      )
      DELETE FROM ${tenantUsers} USING doomed
      WHERE ${tenantUsers.tenantId} = ${tenantId} AND ${tenantUsers.userId} = doomed.user_id
      RETURNING 1 AS one`);
    result.locked += removed.length;
    result.memberships += removed.length;
  }
  return result;
}

// Users and tenants first (their memberships go with them), then memberships that were
// soft-deleted on their own.
const PASSES: Pass[] = [purgeUsers, purgeTenants, purgeMemberships];

// On NileDB a transaction writes one tenant, or shared tables, and nothing cascades: each
// batch deletes memberships tenant by tenant, each in its own transaction, before the users
// or tenants they belong to (no foreign key to users there; NileDB's to tenants does not
// cascade). A run stopped between the steps is finished by the next. Two repairs follow: a
// tenant whose creation stopped before its owner membership (no membership at all, an hour
// old), and memberships whose user is gone.
const STALE_EMPTY_TENANT = "1 hour";

async function deleteMembershipsOf(db: Database, tenantId: string, userIds: string[] | null): Promise<number> {
  return withTenantScope(db, tenantId, null, async (tx) => {
    await boundedLocks(tx);
    const removed = await tx
      .delete(tenantUsers)
      .where(and(eq(tenantUsers.tenantId, tenantId), userIds ? inArray(tenantUsers.userId, userIds) : undefined))
      .returning({ userId: tenantUsers.userId });
    return removed.length;
  });
}

// Users are locked with SKIP LOCKED (purges running at once take disjoint batches) in a
// transaction that writes only them, and stays open while their memberships are deleted,
// tenant by tenant, in transactions of their own on the steps pool (client.ts: never the
// pool this one holds a connection of); then the users go.
const nilePurgeUsers: OwnPass = async (db, cutoff, limit) =>
  withSystem(db, async (tx) => {
    await boundedLocks(tx);
    const doomed = await lockUsersPastRetention(tx, cutoff, limit);
    const result: PassResult = { table: "users", found: doomed.length, locked: doomed.length, users: 0, tenants: 0, memberships: 0 };
    if (doomed.length === 0) return result;
    const ids = doomed.map((row) => row.id);
    const homes = await tx.selectDistinct({ tenantId: tenantUsers.tenantId }).from(tenantUsers).where(inArray(tenantUsers.userId, ids));
    const steps = stepsPoolOf(db.$client) ?? db;
    for (const { tenantId } of homes) result.memberships += await deleteMembershipsOf(steps, tenantId, ids);
    result.users = (await tx.delete(users).where(inArray(users.id, ids)).returning({ id: users.id })).length;
    return result;
  });

const nilePurgeTenants: OwnPass = async (db, cutoff, limit) => {
  const doomed = await withSystem(db, (tx) =>
    tx.select({ id: tenants.id }).from(tenants).where(pastRetention(tenants.deleted, cutoff)).orderBy(asc(tenants.id)).limit(limit),
  );
  const result: PassResult = { table: "tenants", found: doomed.length, locked: 0, users: 0, tenants: 0, memberships: 0 };
  for (const { id } of doomed) {
    result.memberships += await deleteMembershipsOf(db, id, null);
    const removed = await deleteTenantIf(db, id, pastRetention(tenants.deleted, cutoff));
    result.locked += removed;
    result.tenants += removed;
  }
  return result;
};

const nilePurgeMemberships: OwnPass = async (db, cutoff, limit) => {
  const found = await withSystem(db, (tx) =>
    tx
      .select({ tenantId: tenantUsers.tenantId, userId: tenantUsers.userId })
      .from(tenantUsers)
      .where(pastRetention(tenantUsers.deleted, cutoff))
      .orderBy(asc(tenantUsers.tenantId), asc(tenantUsers.userId))
      .limit(limit),
  );
  const result: PassResult = { table: "tenant_users", found: found.length, locked: 0, users: 0, tenants: 0, memberships: 0 };
  const byTenant = new Map<string, string[]>();
  for (const row of found) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row.userId]);
  for (const [tenantId, userIds] of byTenant) {
    const removed = await withTenantScope(db, tenantId, null, async (tx) => {
      await boundedLocks(tx);
      const rows = await tx
        .delete(tenantUsers)
        .where(and(eq(tenantUsers.tenantId, tenantId), inArray(tenantUsers.userId, userIds), pastRetention(tenantUsers.deleted, cutoff)))
        .returning({ userId: tenantUsers.userId });
      return rows.length;
    });
    result.locked += removed;
    result.memberships += removed;
  }
  return result;
};

// Repair: tenants with no membership at all, an hour after they were made.
const nileSweepEmptyTenants: OwnPass = async (db, _cutoff, limit) => {
  const empty = sql`NOT EXISTS (SELECT 1 FROM ${tenantUsers} WHERE ${tenantUsers.tenantId} = ${tenants.id}) AND ${tenants.created} < now() - ${STALE_EMPTY_TENANT}::interval`;
  const found = await withSystem(db, (tx) => tx.select({ id: tenants.id }).from(tenants).where(empty).orderBy(asc(tenants.id)).limit(limit));
  const result: PassResult = { table: "tenants", found: found.length, locked: 0, users: 0, tenants: 0, memberships: 0 };
  for (const { id } of found) {
    const removed = await deleteTenantIf(db, id, empty);
    result.locked += removed;
    result.tenants += removed;
  }
  return result;
};

// Repair: memberships whose user row is gone (deleted by another writer, NileDB's console or
// auth: NileDB has no foreign key to keep them).
const nileSweepOrphanMemberships: OwnPass = async (db, _cutoff, limit) => {
  const orphan = sql`NOT EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${tenantUsers.userId})`;
  const found = await withSystem(db, (tx) =>
    tx.select({ tenantId: tenantUsers.tenantId, userId: tenantUsers.userId }).from(tenantUsers).where(orphan).orderBy(asc(tenantUsers.tenantId)).limit(limit),
  );
  const result: PassResult = { table: "tenant_users", found: found.length, locked: 0, users: 0, tenants: 0, memberships: 0 };
  const byTenant = new Map<string, string[]>();
  for (const row of found) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row.userId]);
  for (const [tenantId, userIds] of byTenant) {
    const removed = await withTenantScope(
      db,
      tenantId,
      null,
      async (tx) =>
        (
          await tx
            .delete(tenantUsers)
            .where(and(eq(tenantUsers.tenantId, tenantId), inArray(tenantUsers.userId, userIds), orphan))
            .returning({ userId: tenantUsers.userId })
        ).length,
    );
    result.locked += removed;
    result.memberships += removed;
  }
  return result;
};

// A tenant row goes in a transaction of its own (tenants count as shared on NileDB), if it
// still meets `condition` and nobody holds it.
async function deleteTenantIf(db: Database, id: string, condition: SQL): Promise<number> {
  return withSystem(db, async (tx) => {
    await boundedLocks(tx);
    const [mine] = await tx
      .select({ id: tenants.id })
      .from(tenants)
      .where(and(eq(tenants.id, id), condition))
      .for("update", { skipLocked: true });
    if (!mine) return 0;
    return (await tx.delete(tenants).where(eq(tenants.id, id)).returning({ id: tenants.id })).length;
  });
}

const NILE_PASSES: OwnPass[] = [nilePurgeUsers, nilePurgeTenants, nilePurgeMemberships, nileSweepEmptyTenants, nileSweepOrphanMemberships];
