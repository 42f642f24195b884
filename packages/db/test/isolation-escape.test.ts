import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDbEnv } from "../src/env";
import { makeTenantWithMember, createAppLogin, type Member } from "./support/world";
import { sqlstate } from "../src/testing";
import { useTestDatabase } from "../src/testing/vitest";

// Escape attempts over a connection that logs in the way production should: a LOGIN role
// that is only a member of penguinmails_app. PostgreSQL only: the embedded engine has a
// single superuser login, and a superuser login can always SET ROLE back to itself.
const onServer = readDbEnv().DATABASE_URL !== undefined;

describe.runIf(onServer)("escape attempts by the app's login", () => {
  const ctx = useTestDatabase();
  let a: Member;
  let login: Awaited<ReturnType<typeof createAppLogin>>;
  let app: postgres.Sql;

  beforeAll(async () => {
    a = await makeTenantWithMember(ctx.client);
    login = await createAppLogin(ctx.database);
    app = postgres(login.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await app?.end({ timeout: 5 });
    await login?.drop();
  });

  // Counted as the owner, which bypasses nothing it should not: superuser here, in tests.
  const counts = async () => {
    const [row] = await ctx.client.sql`
      SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM tenants)::int AS tenants,
             (SELECT count(*) FROM tenant_users)::int AS memberships,
             (SELECT count(*) FROM pg_policies WHERE schemaname IN ('public', 'users'))::int AS policies,
             (SELECT bool_and(relrowsecurity AND relforcerowsecurity) FROM pg_class
               WHERE relname IN ('users', 'tenants', 'tenant_users') AND relnamespace IN ('public'::regnamespace, 'users'::regnamespace)) AS rls`;
    return row;
  };

  const readAsApp = (setup: string) =>
    app.begin(async (tx) => {
      await tx.unsafe(setup);
      return tx`SELECT id FROM users`;
    });

  it("sees nothing with no context", async () => {
    expect(await app`SELECT id FROM users`).toHaveLength(0);
    expect(await app`SELECT tenant_id FROM tenant_users`).toHaveLength(0);
    expect(await app`SELECT id FROM tenants`).toHaveLength(0);
  });

  it.each(["SET ROLE postgres", "SET ROLE penguinmails_system", "SET SESSION AUTHORIZATION postgres"])("%s is refused", async (statement) => {
    const before = await counts();
    expect(await sqlstate(readAsApp(statement))).toBe("42501");
    expect(await counts()).toEqual(before);
  });

  it("SET ROLE to the tables' owner is refused", async () => {
    const [row] = await ctx.client.sql<{ owner: string }[]>`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'users'`;
    expect(await sqlstate(readAsApp(`SET ROLE "${row!.owner}"`))).toBe("42501");
  });

  it("RESET ROLE after the runtime role leaves the login, which sees nothing", async () => {
    const rows = await app.begin(async (tx) => {
      await tx`SET LOCAL ROLE penguinmails_app`;
      await tx`RESET ROLE`;
      return tx`SELECT current_user AS who, (SELECT count(*) FROM users)::int AS users`;
    });
    expect(rows).toEqual([{ who: login.name, users: 0 }]);
  });

  it("SET row_security = off makes the read fail instead of bypassing the policies", async () => {
    expect(await sqlstate(readAsApp("SET LOCAL row_security = off"))).toBe("42501");
  });

  it.each([
    "TRUNCATE users",
    "TRUNCATE tenant_users",
    "ALTER TABLE users DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE tenant_users NO FORCE ROW LEVEL SECURITY",
    "DROP POLICY tenant_users_app_all ON tenant_users",
    "CREATE POLICY open ON users FOR SELECT USING (true)",
    "GRANT penguinmails_system TO CURRENT_USER",
  ])("%s is refused and changes nothing", async (statement) => {
    const before = await counts();
    expect(await sqlstate(app.unsafe(statement))).toBe("42501");
    expect(await counts()).toEqual(before);
    expect(before!.users).toBeGreaterThan(0);
  });

  // The database scopes by the tenant the context names (NileDB's model); that the acting
  // user is a member is checked when the data layer enters the context (isolation-policies).
  // Statement by statement, as the README shows a plain SQL client doing it (on Citus the
  // settings reach the workers, migration 0008, and the role comes before the first query).
  it("a tenant context set by hand sees that tenant and nothing of any other", async () => {
    await makeTenantWithMember(ctx.client);
    const seen = await app.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL nile.tenant_id = '${a.tenantId}'`);
      await tx.unsafe(`SET LOCAL nile.user_id = '${a.userId}'`);
      await tx.unsafe("SET LOCAL ROLE penguinmails_app");
      return {
        tenants: (await tx<{ id: string }[]>`SELECT id FROM tenants`).map((r) => r.id),
        memberships: (await tx<{ tenant_id: string }[]>`SELECT tenant_id FROM tenant_users`).map((r) => r.tenant_id),
        users: (await tx<{ id: string }[]>`SELECT id FROM users`).map((r) => r.id).sort(),
      };
    });
    // On Citus a tenant context reads every user row (migration 0008: Citus refuses the
    // membership sub-query in a policy); the data layer reaches users only through memberships.
    const expectedUsers = ctx.database.engine === "citus" ? (await ctx.client.sql<{ id: string }[]>`SELECT id FROM users`).map((r) => r.id).sort() : [a.userId];
    expect(seen).toEqual({ tenants: [a.tenantId], memberships: [a.tenantId], users: expectedUsers });
  });
});
