import type { AnyTx, Database } from "./client";

// What a context was entered with, kept beside its transaction: the data layer binds these
// ids as parameters, so a tenant's statement names its tenant (Citus routes it to the one
// shard holding it; a filter on current_setting() is sent to every shard, and refused under
// FOR UPDATE). Row-level security still reads the same ids from the SET LOCAL settings: the
// two come from one context object and cannot disagree.

export interface Scope {
  tenantId: string | null;
  userId: string | null;
  /**
   * On NileDB, the pool the context came from: work NileDB will not do in one transaction
   * (a tenant and a shared table, or two tenants) goes to transactions of its own there.
   */
  nile?: Database;
}

const scopes = new WeakMap<Database | AnyTx, Scope>();

/** Records `tx`'s scope; called by the contexts when they hand out a transaction. */
export function bindScope(tx: Database | AnyTx, scope: Scope): void {
  scopes.set(tx, scope);
}

/** The scope `tx` was entered with; outside any context, neither tenant nor user (matches nothing). */
export function scopeOf(tx: Database | AnyTx): Scope {
  return scopes.get(tx) ?? { tenantId: null, userId: null };
}
