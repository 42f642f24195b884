import { addMember, findUserByEmail, findUserById, importMembers, listMembers, listMyTenants, readInTenant, withTenant, type Database } from "@penguinmails/db";
import { assumeSessionScope } from "@penguinmails/db/testing";
import type { Sample } from "../world";

// The data layer as the scenarios call it: the one place to change when packages/db grows a
// faster path (prepared reads, a pipelined context, a bulk insert). Each function is what an
// app would call for that work; the raw sides they are compared with live in ./raw.ts.

export type HotRead = "user by id" | "user by email" | "member page" | "my tenants";
export const HOT_READS: readonly HotRead[] = ["user by id", "user by email", "member page", "my tenants"];

/** what each read calls, for the report */
export const HOT_READ_CALLS: Record<HotRead, string> = {
  "user by id": "findUserById",
  "user by email": "findUserByEmail",
  "member page": "listMembers (50 + 1 rows)",
  "my tenants": "listMyTenants (10 rows)",
};

/** Whom the hot reads act as: the session's context (setSession) and the data layer's scope alike. */
export const sessionScope = (s: Sample) => ({ tenantId: s.tenantId, userId: s.memberId });

/**
 * Scenario 1, 4, 7: one read on a connection whose session already carries the context
 * (nile.tenant_id = sample.tenantId, nile.user_id = sample.memberId), with no transaction.
 * Data functions bind the context's ids as parameters, and outside a context they know none:
 * the same ids are handed to them first (a WeakMap set, as a context's own bindScope).
 */
export function hotRead(read: HotRead, db: Database, s: Sample): Promise<unknown> {
  const scoped = assumeSessionScope(db, sessionScope(s));
  switch (read) {
    case "user by id":
      return findUserById(scoped.tenant, s.memberId);
    case "user by email":
      return findUserByEmail(scoped.tenant, s.memberEmail);
    case "member page":
      return listMembers(scoped.tenant);
    case "my tenants":
      return listMyTenants(scoped.user);
  }
}

export type TenantRequest = "member page" | "user by id";
export const TENANT_REQUESTS: readonly TenantRequest[] = ["member page", "user by id"];

export const TENANT_REQUEST_CALLS: Record<TenantRequest, string> = {
  "member page": "readInTenant + listMembers",
  "user by id": "readInTenant + findUserById",
};

/** Scenario 2, 5: a whole read request in the tenant's context, as its owner, on the read path. */
export function tenantRequest(request: TenantRequest, db: Database, s: Sample): Promise<unknown> {
  return inTenant(readInTenant, request, db, s);
}

/** The same request through the general transactional context (two round trips). */
export function tenantRequestInTransaction(request: TenantRequest, db: Database, s: Sample): Promise<unknown> {
  return inTenant(withTenant, request, db, s);
}

function inTenant(context: typeof withTenant, request: TenantRequest, db: Database, s: Sample): Promise<unknown> {
  const tenant = { tenantId: s.tenantId, userId: s.ownerId };
  return request === "member page" ? context(db, tenant, (tx) => listMembers(tx)) : context(db, tenant, (tx) => findUserById(tx, s.memberId));
}

export interface BulkBatch {
  tenantId: string;
  ownerId: string;
  users: { id: string; email: string }[];
}

export const BULK_LABEL = "data layer: importMembers, one call per batch in withTenant";
export const PER_ROW_LABEL = "data layer per row: addMember for each user, one withTenant per batch";

/** Scenario 6: new users, each made a member of the batch's tenant, through the bulk path. */
export async function bulkLoad(db: Database, batch: BulkBatch): Promise<void> {
  const members = batch.users.map((u) => ({ email: u.email, roles: ["member" as const] }));
  await withTenant(db, { tenantId: batch.tenantId, userId: batch.ownerId }, (tx) => importMembers(tx, { members }));
}

/** The same through the per-row API, the only way before the bulk path. */
export async function perRowLoad(db: Database, batch: BulkBatch): Promise<void> {
  await withTenant(db, { tenantId: batch.tenantId, userId: batch.ownerId }, async (tx) => {
    for (const user of batch.users) await addMember(tx, { email: user.email, roles: ["member"] });
  });
}
