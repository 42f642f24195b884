import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant, withUser } from "../src/context";
import { listMembers, listMyTenants } from "../src/data";
import { readDbEnv } from "../src/env";
import { createTestDatabase, sqlstate, type TestDatabase } from "../src/testing";
import { createAppLogin, makeTenantWithMember, rowText, type Member } from "./support/world";
import { useTestDatabase } from "../src/testing/vitest";

// Attempts to run code with more privilege than the runtime roles have, as an unprivileged
// login would make them (issue #10). PostgreSQL only where a login is involved: the
// embedded engine has a single superuser login. The database's own refusals run on both.
const onServer = readDbEnv().DATABASE_URL !== undefined;
const ctx = useTestDatabase();

describe.runIf(onServer)("a login of the runtime roles cannot borrow the helpers' privileges", () => {
  let a: Member;
  let login: Awaited<ReturnType<typeof createAppLogin>>;
  let app: postgres.Sql;
  const database = () => new URL(ctx.database.url).pathname.slice(1);

  beforeAll(async () => {
    a = await makeTenantWithMember(ctx.client);
    login = await createAppLogin(ctx.database);
    app = postgres(login.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await app?.end({ timeout: 5 });
    await ctx.client.sql.unsafe(`REVOKE TEMPORARY ON DATABASE ${database()} FROM ${login.name}`).catch(() => {});
    await login?.drop();
  });

  it.each([
    "CREATE TEMP TABLE evidence (who text)",
    "CREATE FUNCTION pg_temp.evil(x uuid) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
    "CREATE DOMAIN pg_temp.uuid AS pg_catalog.uuid",
  ])("the runtime roles may not create temporary objects: %s", async (statement) => {
    expect(await sqlstate(app.unsafe(statement))).toBe("42501");
  });

  // Even a login that was granted TEMPORARY by hand cannot shadow what the helpers use: the
  // SECURITY DEFINER ones pin search_path to pg_catalog, then pg_temp; the entry functions
  // (the caller's rights, no pinned path: migration 0014) qualify every type, operator and relation.
  it("temporary types, functions and operators named like the helpers' never run inside them", async () => {
    await ctx.client.sql.unsafe(`GRANT TEMPORARY ON DATABASE ${database()} TO ${login.name}`);
    const shadow = postgres(login.url, { max: 1, onnotice: () => {} });
    try {
      await shadow.unsafe(`
        CREATE FUNCTION pg_temp.evil(x anyelement) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM set_config('evil.ran_as', current_user, false);
          RETURN true;
        END $$`);
      await shadow.unsafe(`CREATE DOMAIN pg_temp.uuid AS pg_catalog.uuid CHECK (pg_temp.evil(VALUE))`);
      await shadow.unsafe(`CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.evil(VALUE))`);
      await shadow.unsafe(`CREATE FUNCTION pg_temp.lower(t pg_catalog.text) RETURNS pg_catalog.text LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_temp.evil(t); RETURN t; END $$`);
      await shadow.unsafe(`CREATE FUNCTION pg_temp.uuid_eq(a pg_catalog.uuid, b pg_catalog.uuid) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_temp.evil(a); RETURN a OPERATOR(pg_catalog.=) b; END $$`);
      await shadow.unsafe(`CREATE OPERATOR pg_temp.= (LEFTARG = pg_catalog.uuid, RIGHTARG = pg_catalog.uuid, FUNCTION = pg_temp.uuid_eq)`);

      const ranAs = await shadow.begin(async (tx) => {
        // The role is set as the data layer sets it (src/context.ts), one statement a query:
        // Citus replays a SET LOCAL ROLE (and the rest of its query's text) on the worker
        // connections it opens later as the role then current, and penguinmails_app_user may
        // not take penguinmails_app there. set_config() checks the login's membership the same.
        const asRole = (role: string) => tx`SELECT pg_catalog.set_config('role', ${role}, true)`;
        await tx.unsafe(`SET LOCAL nile.tenant_id = '${a.tenantId}'`);
        await tx.unsafe(`SET LOCAL nile.user_id = '${a.userId}'`);
        await asRole("penguinmails_app");
        await tx.unsafe(`SELECT penguinmails_rls.enter_tenant()`);
        await tx.unsafe(`SELECT penguinmails_rls.resolve_user('hijack-${randomUUID()}@example.test')`);
        await tx.unsafe(`SELECT * FROM penguinmails_rls.resolve_users(ARRAY['bulk-${randomUUID()}@example.test'], ARRAY[NULL])`);
        await tx.unsafe(`SELECT id FROM users`);
        await tx.unsafe(`SET LOCAL nile.tenant_id = ''`);
        await asRole("penguinmails_app_user");
        await tx.unsafe(`SELECT penguinmails_rls.enter_user()`);
        const [row] = await tx.unsafe(`SELECT current_setting('evil.ran_as', true) AS who`);
        return row!.who as string | null;
      });
      expect(ranAs ?? "").toBe("");
    } finally {
      await shadow.end({ timeout: 5 });
    }
  });

  it("the SECURITY DEFINER helpers belong to a NOLOGIN role that no role is a member of, with search_path pinned", async () => {
    const helpers = await ctx.client.sql<{ name: string; owner: string; config: string[] | null }[]>`
      SELECT p.proname AS name, pg_get_userbyid(p.proowner) AS owner, p.proconfig AS config
      FROM pg_proc p WHERE p.prosecdef ORDER BY 1`;
    // On Citus the resolvers run with the caller's rights (migration 0010): a definer's writes
    // would travel on connections the rest of the context's transaction does not see.
    const resolvers = ctx.database.engine === "citus" ? [] : ["resolve_user", "resolve_users"];
    expect(helpers.map((h) => h.name)).toEqual(["copy_member_email", "propagate_user_email", ...resolvers, "sign_in"]);
    for (const helper of helpers) {
      expect(helper.owner, helper.name).toBe("penguinmails_definer");
      expect(helper.config, helper.name).toEqual(["search_path=pg_catalog, pg_temp"]);
    }
    const [definer] = await ctx.client.sql`
      SELECT rolcanlogin, rolsuper, rolbypassrls,
             (SELECT count(*) FROM pg_auth_members WHERE roleid = 'penguinmails_definer'::regrole)::int AS members
      FROM pg_roles WHERE rolname = 'penguinmails_definer'`;
    // On Citus it logs in, with no password, to the workers: Citus connects as the current role.
    expect(definer).toEqual({ rolcanlogin: ctx.database.engine === "citus", rolsuper: false, rolbypassrls: false, members: 0 });
  });

  it("no runtime role may create in, or replace a function of, the helpers' schema", async () => {
    const [grants] = await ctx.client.sql`
      SELECT has_schema_privilege('penguinmails_app', 'penguinmails_rls', 'CREATE') AS app,
             has_schema_privilege('penguinmails_app_user', 'penguinmails_rls', 'CREATE') AS app_user,
             has_schema_privilege('penguinmails_system', 'penguinmails_rls', 'CREATE') AS system,
             pg_get_userbyid(nspowner) IN ('penguinmails_app', 'penguinmails_app_user', 'penguinmails_system') AS runtime_owns
      FROM pg_namespace WHERE nspname = 'penguinmails_rls'`;
    expect(grants).toEqual({ app: false, app_user: false, system: false, runtime_owns: false });
    const before = await ctx.client.sql`SELECT md5(prosrc) AS body FROM pg_proc WHERE proname = 'resolve_user'`;
    const replace = app.begin(async (tx) => {
      await tx`SET LOCAL ROLE penguinmails_system`.catch(() => {});
      await tx.unsafe(`CREATE OR REPLACE FUNCTION penguinmails_rls.resolve_user(p_email text) RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid'`);
    });
    expect(await sqlstate(replace)).toBe("42501");
    expect(await ctx.client.sql`SELECT md5(prosrc) AS body FROM pg_proc WHERE proname = 'resolve_user'`).toEqual(before);
  });
});

describe.runIf(onServer)("a login made for one database cannot connect to another", () => {
  let other: TestDatabase;
  let login: Awaited<ReturnType<typeof createAppLogin>>;

  beforeAll(async () => {
    other = await createTestDatabase();
    login = await createAppLogin(ctx.database);
  });
  afterAll(async () => {
    await login?.drop();
    await other?.drop();
  });

  it("PUBLIC holds no CONNECT; the login connects to its own database only", async () => {
    const [row] = await ctx.client.sql`SELECT has_database_privilege('public', current_database(), 'CONNECT') AS public_connect`;
    expect(row).toEqual({ public_connect: false });

    const own = postgres(login.url, { max: 1, onnotice: () => {} });
    try {
      expect(await own`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
    } finally {
      await own.end({ timeout: 5 });
    }
    const url = new URL(login.url);
    url.pathname = new URL(other.url).pathname;
    const foreign = postgres(url.toString(), { max: 1, onnotice: () => {}, connect_timeout: 30 });
    try {
      // On Citus the runtime roles themselves connect to every node, the coordinator included
      // (migration 0011), and a login inherits that from them: there, one environment per
      // cluster. The login still gets nothing of the other database without its context.
      const refused = ctx.database.engine === "citus" ? undefined : "42501";
      expect(await sqlstate(foreign`SELECT 1`)).toBe(refused);
      if (!refused) expect(await foreign`SELECT count(*)::int AS n FROM users`).toEqual([{ n: 0 }]);
    } finally {
      await foreign.end({ timeout: 5 });
    }
  });
});

describe("the database refuses what the validation refuses, whatever the path", () => {
  let a: Member;
  beforeAll(async () => {
    a = await makeTenantWithMember(ctx.client);
  });

  const asApp = (statement: string) =>
    ctx.client.sql.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL nile.tenant_id = '${a.tenantId}'; SET LOCAL nile.user_id = '${a.userId}'; SET LOCAL ROLE penguinmails_app`);
      return tx.unsafe(statement);
    });

  it.each(["not an email", "a@b", "two@@example.test", " padded@example.test\u00a0", "jürgen@bücher.de", "e\u0301@example.test", "a\u200b@example.test"])(
    "resolve_user(%j) is refused and stores nothing",
    async (email) => {
      const before = await ctx.client.sql`SELECT count(*)::int AS n FROM users`;
      expect(await sqlstate(asApp(`SELECT penguinmails_rls.resolve_user('${email}')`))).toBe("23514");
      expect(await ctx.client.sql`SELECT count(*)::int AS n FROM users`).toEqual(before);
    },
  );

  it.each(["\u00a0", "\u3000\u2003", " Penguin\ufeff", "\u00a0Penguin"])("a tenant named %j is refused", async (name) => {
    const before = await rowText(ctx.client, "tenants", `id = '${a.tenantId}'`);
    expect(await sqlstate(asApp(`UPDATE tenants SET name = '${name}' WHERE id = '${a.tenantId}'`))).toBe("23514");
    expect(await rowText(ctx.client, "tenants", `id = '${a.tenantId}'`)).toEqual(before);
  });

  it("resolve_user finds the account of an address in another ASCII case, and creates the normalized form", async () => {
    const stored = `jürgen-${randomUUID()}@xn--bcher-kva.de`;
    const id = (await asApp(`SELECT penguinmails_rls.resolve_user('${stored}') AS id`))[0]!.id as string;
    const again = (await asApp(`SELECT penguinmails_rls.resolve_user('${stored.toUpperCase()}') AS again`))[0]!.again as string;
    expect(again).toBe(id);
    expect(await rowText(ctx.client, "users", `id = '${id}'`)).toContain(stored);
  });

  it("a user name that is only non-breaking spaces is refused through the bulk helper", async () => {
    const email = `bulk-${randomUUID()}@example.test`;
    expect(await sqlstate(asApp(`SELECT * FROM penguinmails_rls.resolve_users(ARRAY['${email}'], ARRAY[E'\\u00a0Ann'])`))).toBe("23514");
    expect(await rowText(ctx.client, "users", `email = '${email}'`)).toBeUndefined();
  });

  it("what the data layer accepts, the database accepts (a member page and my tenants still read)", async () => {
    const page = await withTenant(ctx.client.db, { tenantId: a.tenantId, userId: a.userId }, (tx) => listMembers(tx));
    expect(page.members.map((m) => m.userId)).toEqual([a.userId]);
    const mine = await withUser(ctx.client.db, { userId: a.userId }, (tx) => listMyTenants(tx));
    expect(mine.map((t) => t.id)).toEqual([a.tenantId]);
  });
});
