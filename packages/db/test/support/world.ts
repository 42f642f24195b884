import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { isNileClient, type DatabaseClient } from "../../src/client";
import { withSystem } from "../../src/context";
import { tenants, tenantUsers, users } from "../../src/schema";
import { readDbEnv } from "../../src/env";
import type { TestDatabase } from "../../src/testing";

export interface Member {
  tenantId: string;
  userId: string;
  email: string;
}

/** A fresh tenant with one member, written through the system path. */
export async function makeTenantWithMember(client: DatabaseClient, roles: string[] = ["owner"]): Promise<Member> {
  const tenantId = randomUUID();
  const userId = randomUUID();
  const email = `user-${userId}@example.test`;
  // One scope per transaction, as NileDB requires: the tenant, the user, the membership.
  await withSystem(client.db, (tx) => tx.insert(tenants).values({ id: tenantId, name: `Tenant ${tenantId.slice(0, 8)}` }));
  await withSystem(client.db, (tx) => tx.insert(users).values({ id: userId, email, name: `User ${userId.slice(0, 8)}` }));
  await withSystem(client.db, (tx) => tx.insert(tenantUsers).values({ tenantId, userId, roles, email }));
  return { tenantId, userId, email };
}

/** Adds an existing user to an existing tenant, through the system path. */
export async function addMembership(client: DatabaseClient, tenantId: string, userId: string, roles = ["member"]): Promise<void> {
  await withSystem(client.db, (tx) => tx.insert(tenantUsers).values({ tenantId, userId, roles }));
}

/** A row as text, read through the system path: equal text means byte-identical. */
export async function rowText(client: DatabaseClient, table: "users" | "tenants" | "tenant_users", where: string): Promise<string | undefined> {
  const rows = await client.sql.begin(async (tx) => {
    // NileDB has no roles: there its login sees every row outside a context.
    if (!isNileClient(client.sql)) await tx`SET LOCAL ROLE penguinmails_system`;
    return tx.unsafe(`SELECT row_to_json(t)::text AS row FROM ${table === "tenants" ? "public" : "users"}.${table} t WHERE ${where}`);
  });
  return rows[0]?.row as string | undefined;
}

/**
 * What the database said about a failed statement: message, detail and hint. (Drizzle's
 * wrapper also echoes the caller's own SQL and parameters; that is not the database's word.)
 */
export async function errorText(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "";
  } catch (error) {
    const e = ((error as { cause?: unknown }).cause ?? error) as Error & { detail?: string; hint?: string };
    return [e.message, e.detail, e.hint].filter(Boolean).join(" | ");
  }
}

/**
 * A LOGIN role as production should have it: not superuser, no BYPASSRLS, member of
 * penguinmails_app only (PostgreSQL only: the embedded engine has a single superuser login).
 */
export async function createAppLogin(database: TestDatabase): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `pm_login_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const owner = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    await owner.unsafe(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE penguinmails_app`);
    // CONNECT is granted per login (the migrations take it from PUBLIC), as the README says.
    await owner.unsafe(`GRANT CONNECT ON DATABASE ${new URL(database.url).pathname.slice(1)} TO ${name}`);
  } finally {
    await owner.end();
  }
  const url = new URL(database.url);
  url.username = name;
  url.password = "";
  return {
    url: url.toString(),
    name,
    async drop() {
      // From the test database itself: on Citus a DROP ROLE reaches the workers only from a
      // database of the cluster.
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`REVOKE CONNECT ON DATABASE ${new URL(database.url).pathname.slice(1)} FROM ${name}`);
        await sql.unsafe(`DROP OWNED BY ${name}`);
        await sql.unsafe(`DROP ROLE IF EXISTS ${name}`);
      } finally {
        await sql.end();
      }
    },
  };
}

/** Whether DATABASE_URL is a Citus coordinator (its maintenance database has the extension): known before any test runs. */
export async function serverIsCitus(): Promise<boolean> {
  const url = readDbEnv().DATABASE_URL;
  if (!url) return false;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql`SELECT 1 FROM pg_extension WHERE extname = 'citus'`).length === 1;
  } finally {
    await sql.end();
  }
}
