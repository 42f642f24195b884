import { randomUUID } from "node:crypto";
import { isNileClient, type DatabaseClient, type TenantTx } from "../../src/client";
import { withSystem, withTenant, withUser } from "../../src/context";
import { createTenant, createUser, addMember } from "../../src/data";
import { eq } from "drizzle-orm";
import { users, type Tenant, type User } from "../../src/schema";
import type { TenantRole } from "../../src/data/validation";

// Small factories for data-layer tests: every call mints its own users and tenants, so
// tests share nothing and can run in any order.

export const uniqueEmail = (label = "user") => `${label}-${randomUUID()}@example.test`;

export async function signUp(client: DatabaseClient, email = uniqueEmail()): Promise<User> {
  const id = randomUUID();
  return withUser(client.db, { userId: id }, (tx) => createUser(tx, { id, email, name: `Name of ${email}` }));
}

export interface Workspace {
  tenant: Tenant;
  owner: User;
  /** run `work` in this tenant's context as `user` (default: the owner) */
  as<T>(user: User, work: (tx: TenantTx) => Promise<T>): Promise<T>;
  /** adds a new user with `roles` (through the owner) and returns them */
  member(roles: TenantRole[], email?: string): Promise<User>;
}

export async function workspace(client: DatabaseClient, name = "Workspace"): Promise<Workspace> {
  const owner = await signUp(client);
  const tenant = await withUser(client.db, { userId: owner.id }, (tx) => createTenant(tx, { name }));
  const as = <T>(user: User, work: (tx: TenantTx) => Promise<T>) => withTenant(client.db, { tenantId: tenant.id, userId: user.id }, work);
  return {
    tenant,
    owner,
    as,
    async member(roles, email = uniqueEmail("member")) {
      const added = await as(owner, (tx) => addMember(tx, { email, roles }));
      const [user] = await withSystem(client.db, (tx) => tx.select().from(users).where(eq(users.id, added.userId)));
      return user!;
    },
  };
}

/** Everything in the three tables, as text, read through the system path. */
export async function everything(client: DatabaseClient): Promise<string> {
  const [row] = await client.sql.begin(async (tx) => {
    if (!isNileClient(client.sql)) await tx`SET LOCAL ROLE penguinmails_system`;
    return tx`
      SELECT (SELECT coalesce(json_agg(u ORDER BY u.id), '[]') FROM users.users u)::text
          || (SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM tenants t)::text
          || (SELECT coalesce(json_agg(m ORDER BY m.tenant_id, m.user_id), '[]') FROM users.tenant_users m)::text AS all`;
  });
  return row!.all as string;
}

/** The error a failed promise threw (fails the test if it resolved). */
export async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string; fields?: { field: string }[] }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string; fields?: { field: string }[] };
  }
  throw new Error("expected the operation to fail, and it succeeded");
}
