import { and, asc, inArray, sql, withSystem, type Database, type Transaction } from "@penguinmails/db";
import { tenants, tenantUsers, users } from "@penguinmails/db/schema";

// GDPR retention: rows soft-deleted more than `retentionDays` ago are erased for good.
// Each batch is one short transaction on the system path (the only context that crosses
// tenants). Batches pick their rows with FOR UPDATE SKIP LOCKED, so workers running at
// once take disjoint rows and none waits for, or deletes, another's.

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

type Pass = (tx: Transaction, cutoff: string, limit: number) => Promise<PurgeBatch & { selected: number }>;


// A batch that waits this long for a row lock (a web request holding a membership) fails
// and is retried later, rather than holding its own locks meanwhile.
const LOCK_TIMEOUT = "5s";

export async function purgeDeleted(db: Database, options: PurgeOptions): Promise<PurgeReport> {
  const cutoff = await retentionCutoff(db, options.retentionDays);
  const report: PurgeReport = { users: 0, tenants: 0, memberships: 0, batches: 0, interrupted: false, cutoff };
  for (const pass of PASSES) {
    for (;;) {
      if (options.signal?.aborted) return { ...report, interrupted: true };
      const { selected, ...batch } = await withSystem(db, async (tx) => {
        await tx.execute(sql`SELECT set_config('lock_timeout', ${LOCK_TIMEOUT}, true)`);
        return pass(tx, cutoff, options.batchSize);
      });
      if (selected === 0) break;
      report.users += batch.users;
      report.tenants += batch.tenants;
      report.memberships += batch.memberships;
      report.batches++;
      await options.onBatch?.(batch);
      // A short batch means the backlog is done, or that what is left is another worker's.
      if (selected < options.batchSize) break;
    }
  }
  return report;
}

// From the database's clock, once per run, as text: microsecond precision survives.
async function retentionCutoff(db: Database, retentionDays: number): Promise<string> {
  const [row] = await db.execute<{ cutoff: string }>(
    sql`SELECT (now() - make_interval(hours => ${retentionDays * 24}))::text AS cutoff`,
  );
  if (!row) throw new Error("the database returned no time");
  return row.cutoff;
}

// Users and tenants purge alike: their memberships go with them by cascade.
function purgeWithMemberships(table: typeof users | typeof tenants, membershipsOf: typeof tenantUsers.userId | typeof tenantUsers.tenantId) {
  const name: PurgedTable = table === users ? "users" : "tenants";
  return async (tx: Transaction, cutoff: string, limit: number) => {
    const none = { table: name, selected: 0, users: 0, tenants: 0, memberships: 0 };
    const doomed = await tx
      .select({ id: table.id })
      .from(table)
      .where(sql`${table.deleted} < ${cutoff}::timestamptz`)
      .limit(limit)
      .for("update", { skipLocked: true });
    if (doomed.length === 0) return none;
    const ids = doomed.map((row) => row.id);
    const memberships = await lockMemberships(tx, inArray(membershipsOf, ids));
    const removed = await tx
      .delete(table)
      .where(and(inArray(table.id, ids), sql`${table.deleted} < ${cutoff}::timestamptz`))
      .returning({ id: table.id });
    return { ...none, selected: doomed.length, [name]: removed.length, memberships };
  };
}

const purgeUsers = purgeWithMemberships(users, tenantUsers.userId);
const purgeTenants = purgeWithMemberships(tenants, tenantUsers.tenantId);

// Users and tenants first (their memberships go with them), then memberships that were
// soft-deleted on their own while their user and tenant live on.
const PASSES: Pass[] = [purgeUsers, purgeTenants, purgeMemberships];

async function purgeMemberships(tx: Transaction, cutoff: string, limit: number) {
  const removed = await tx.execute<{ one: number }>(sql`
    WITH doomed AS (
      SELECT ${tenantUsers.tenantId} AS tenant_id, ${tenantUsers.userId} AS user_id
      FROM ${tenantUsers}
      WHERE ${tenantUsers.deleted} < ${cutoff}::timestamptz
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    DELETE FROM ${tenantUsers} USING doomed
    WHERE ${tenantUsers.tenantId} = doomed.tenant_id AND ${tenantUsers.userId} = doomed.user_id
    RETURNING 1 AS one`);
  return { table: "tenant_users" as const, selected: removed.length, users: 0, tenants: 0, memberships: removed.length };
}

// Locks the memberships the cascade is about to delete, in primary-key order. Two purges
// working on a user and a tenant that share memberships then queue on the first shared
// row instead of deadlocking, and the count is exactly what the cascade removes (new
// memberships cannot be added to a row we hold FOR UPDATE).
async function lockMemberships(tx: Transaction, which: ReturnType<typeof inArray>): Promise<number> {
  const locked = await tx
    .select({ tenantId: tenantUsers.tenantId })
    .from(tenantUsers)
    .where(which)
    .orderBy(asc(tenantUsers.tenantId), asc(tenantUsers.userId))
    .for("update");
  return locked.length;
}
