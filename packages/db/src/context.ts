import { sql } from "drizzle-orm";
import type { Database, Transaction } from "./client";
import { parseId } from "./ids";

// Every request runs in one of three contexts, each its own transaction (never nested in
// another: SET LOCAL would outlive a savepoint), that first sets its
// context with SET LOCAL (what NileDB reads; SET LOCAL is also what makes it end with the
// transaction, so a pooled connection never carries it to the next request) and then
// switches to a NOLOGIN role for that transaction only. Row-level security does the rest:
// a query that forgets its tenant filter still sees only the context's rows.

export interface TenantContext {
  tenantId: string;
  /** the acting user; the context sees nothing unless they are a live member of the tenant */
  userId: string;
}

export interface UserContext {
  userId: string;
}

export type Work<T> = (tx: Transaction) => Promise<T>;

/** One tenant's rows, its memberships and its members' users, as `userId` acting there. */
export async function withTenant<T>(db: Database, context: TenantContext, work: Work<T>): Promise<T> {
  const tenantId = parseId(context.tenantId, "tenantId");
  const userId = parseId(context.userId, "userId");
  return inContext(
    db,
    `SET LOCAL nile.tenant_id = '${tenantId}'; SET LOCAL nile.user_id = '${userId}'; SET LOCAL ROLE penguinmails_app`,
    work,
  );
}

/** The user's own row, their live memberships across tenants and those tenants. */
export async function withUser<T>(db: Database, context: UserContext, work: Work<T>): Promise<T> {
  const userId = parseId(context.userId, "userId");
  return inContext(db, `SET LOCAL nile.user_id = '${userId}'; SET LOCAL ROLE penguinmails_app`, work);
}

/**
 * The system path: every tenant's rows, for work that must cross tenants (retention purge,
 * seeding). Only logins that are members of penguinmails_system can take it.
 */
export async function withSystem<T>(db: Database, work: Work<T>): Promise<T> {
  return inContext(db, "SET LOCAL ROLE penguinmails_system", work);
}

// The ids were validated as canonical UUIDs above, so writing them into the statement is
// safe. The setup is not awaited on its own: postgres.js sends it in the same write as the
// first statement of `work`, in order, which saves a round trip per request. If it failed,
// its error is the one worth reporting (work's would only say the transaction is aborted).
function inContext<T>(db: Database, setup: string, work: Work<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const ready = tx.execute(sql.raw(setup)).then(() => undefined);
    ready.catch(() => {});
    try {
      const result = await work(tx);
      await ready;
      return result;
    } catch (error) {
      await ready;
      throw error;
    }
  });
}
