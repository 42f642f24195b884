import { sql, withSystem, type DatabaseClient } from "@penguinmails/db";
import { tenants, tenantUsers, users } from "@penguinmails/db/schema";

// Each test file gets a migrated database of its own and mints its own rows through the
// system path, with `deleted` written relative to the database's clock.

export const RETENTION_DAYS = 30;

/** When a row was soft-deleted, relative to RETENTION_DAYS (or any number of days). */
export type Deleted = "live" | "past" | "inside" | { daysAgo: number };

// "Just" past or inside retention: five minutes either side, far more than a test takes.
export function deletedAt(deleted: Deleted, retentionDays = RETENTION_DAYS) {
  if (deleted === "live") return null;
  if (deleted === "past") return sql`now() - make_interval(hours => ${retentionDays * 24}, mins => 5)`;
  if (deleted === "inside") return sql`now() - make_interval(hours => ${retentionDays * 24}, mins => -5)`;
  return sql`now() - make_interval(hours => ${deleted.daysAgo * 24})`;
}

let serial = 0;
const tag = () => `${process.pid}-${++serial}-${Math.random().toString(36).slice(2, 8)}`;

export async function makeUser(client: DatabaseClient, deleted: Deleted = "live"): Promise<string> {
  const t = tag();
  const [row] = await withSystem(client.db, (tx) =>
    tx
      .insert(users)
      .values({ email: `person-${t}@example.test`, name: `Person ${t}`, deleted: deletedAt(deleted) })
      .returning({ id: users.id }),
  );
  return row!.id;
}

export async function makeTenant(client: DatabaseClient, deleted: Deleted = "live"): Promise<string> {
  const [row] = await withSystem(client.db, (tx) =>
    tx
      .insert(tenants)
      .values({ name: `Tenant ${tag()}`, deleted: deletedAt(deleted) })
      .returning({ id: tenants.id }),
  );
  return row!.id;
}

export async function addMember(client: DatabaseClient, tenantId: string, userId: string, deleted: Deleted = "live"): Promise<void> {
  await withSystem(client.db, (tx) => tx.insert(tenantUsers).values({ tenantId, userId, roles: ["member"], deleted: deletedAt(deleted) }));
}

/**
 * `count` users soft-deleted just past retention, each a member of `tenantId`, in two
 * statements: a backlog of thousands in a moment. Returns the emails' common prefix.
 */
export async function seedDeletedMembers(client: DatabaseClient, tenantId: string, count: number): Promise<string> {
  const prefix = `backlog-${tag()}-`;
  // As the owner login (superuser in tests): Citus runs INSERT ... SELECT as COPY, which it
  // refuses under row-level security. Users, then memberships: one scope per transaction, as
  // NileDB requires.
  await client.sql`
    INSERT INTO users.users (email, name, deleted)
    SELECT ${prefix} || g || '@example.test', 'Backlog ' || g, now() - make_interval(hours => ${RETENTION_DAYS * 24}, mins => 5)
    FROM generate_series(1, ${count}) AS g`;
  await client.sql`
    INSERT INTO users.tenant_users (tenant_id, user_id, roles)
    SELECT ${tenantId}::uuid, id, ARRAY['member'] FROM users.users WHERE email LIKE ${`${prefix}%`}`;
  return prefix;
}

const qualified = { users: "users.users", tenants: "public.tenants", tenant_users: "users.tenant_users" };

export async function count(client: DatabaseClient, table: "users" | "tenants" | "tenant_users", where = "true"): Promise<number> {
  const [row] = await withSystem(client.db, (tx) =>
    tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${sql.raw(qualified[table])} WHERE ${sql.raw(where)}`),
  );
  return row!.n;
}

export async function exists(client: DatabaseClient, table: "users" | "tenants", id: string): Promise<boolean> {
  return (await count(client, table, `id = '${id}'`)) === 1;
}

export async function isMember(client: DatabaseClient, tenantId: string, userId: string): Promise<boolean> {
  return (await count(client, "tenant_users", `tenant_id = '${tenantId}' AND user_id = '${userId}'`)) === 1;
}

/** Every row of the three tables as text, for "untouched" (byte-identical) comparisons. */
export async function snapshot(client: DatabaseClient): Promise<Map<string, string>> {
  const rows = await withSystem(client.db, (tx) =>
    tx.execute<{ key: string; row: string }>(sql`
      SELECT 'users:' || id AS key, row_to_json(u)::text AS row FROM users.users u
      UNION ALL SELECT 'tenants:' || id, row_to_json(t)::text FROM public.tenants t
      UNION ALL SELECT 'tenant_users:' || tenant_id || ':' || user_id, row_to_json(m)::text FROM users.tenant_users m`),
  );
  return new Map(rows.map((r) => [r.key, r.row]));
}
