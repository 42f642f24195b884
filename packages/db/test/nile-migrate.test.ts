import { readMigrationFiles } from "drizzle-orm/migrator";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultMigrationsFolder, readJournal } from "../src/migrate";
import { isNileTarget } from "../src/target";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { runCli } from "./support/cli";

// `DATABASE_TARGET=nile pnpm db:migrate` on a database holding only NileDB's built-in tables
// (issue #13): it succeeds, says what it applied, creates no function, trigger, policy or role,
// leaves the built-in tables as they were, and adds nothing but drizzle's ledger. Runs through
// the real CLIs against a NileDB-shaped database (src/testing/nile.ts), on PostgreSQL with
// DATABASE_URL or on the embedded engine without. Catalogs are read with the developer login
// (on the embedded engine every connection shares one session, already acting as it).

const BUILT_IN = ["public.tenants", "users.users", "users.tenant_users"];
// Roles other test files create and drop at any time on a shared server (test/support/world.ts,
// read-path.test.ts, apps/worker): cluster-wide, so they would come and go between snapshots.
const OTHER_TESTS_ROLES = "^pm_(login|worker)_";
const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'pg_toast')`;
const NOT_TEMP = (column: string) => `${column} !~ '^pg_(toast_)?temp_'`;

interface Snapshot {
  /** each built-in table: columns, constraints, indexes, triggers, policies, owner, RLS, rows */
  builtIn: string;
  /** functions and procedures outside pg_catalog, information_schema and nile_emulation */
  functions: string[];
  triggers: string[];
  policies: string[];
  roles: string[];
  /** other database-wide objects: extensions, event triggers, explicitly created types */
  others: string[];
  /** schemas and relations (tables, sequences, indexes, views, …) outside the system schemas */
  objects: string[];
}

const column = <T>(rows: { v: T }[]) => rows.map((r) => r.v);

async function snapshot(url: string): Promise<Snapshot> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const builtIn: Record<string, unknown> = {};
    for (const table of BUILT_IN) {
      const [row] = await sql<{ v: unknown }[]>`SELECT json_build_object(
        'table', (SELECT json_build_object('owner', pg_get_userbyid(relowner), 'kind', relkind, 'rls', relrowsecurity,
            'force_rls', relforcerowsecurity, 'acl', relacl::text, 'persistence', relpersistence, 'options', reloptions)
          FROM pg_class WHERE oid = ${table}::regclass),
        'columns', (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
            'not_null', a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid), 'identity', a.attidentity,
            'generated', a.attgenerated, 'collation', a.attcollation) ORDER BY a.attnum)
          FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = ${table}::regclass AND a.attnum > 0 AND NOT a.attisdropped),
        'constraints', (SELECT json_agg(json_build_object('name', conname, 'def', pg_get_constraintdef(oid)) ORDER BY conname)
          FROM pg_constraint WHERE conrelid = ${table}::regclass),
        'indexes', (SELECT json_agg(pg_get_indexdef(indexrelid) ORDER BY indexrelid::regclass::text)
          FROM pg_index WHERE indrelid = ${table}::regclass),
        'triggers', (SELECT json_agg(json_build_object('def', pg_get_triggerdef(oid), 'enabled', tgenabled) ORDER BY tgname)
          FROM pg_trigger WHERE tgrelid = ${table}::regclass),
        'policies', (SELECT json_agg(json_build_object('name', polname, 'cmd', polcmd, 'permissive', polpermissive,
            'roles', polroles::regrole[]::text, 'using', pg_get_expr(polqual, polrelid),
            'check', pg_get_expr(polwithcheck, polrelid)) ORDER BY polname)
          FROM pg_policy WHERE polrelid = ${table}::regclass)
      ) AS v`;
      // No context set: every row, as NileDB shows them to the developer login.
      const [rows] = await sql.unsafe<{ v: unknown }[]>(`SELECT json_agg(t ORDER BY t::text) AS v FROM ${table} t`);
      builtIn[table] = { catalog: row!.v, rows: rows!.v };
    }
    const functions = await sql<{ v: string }[]>`
      SELECT format('%s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind) AS v
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'nile_emulation') ORDER BY 1`;
    const triggers = await sql<{ v: string }[]>`
      SELECT format('%s %s %s', tgrelid::regclass, tgname, tgfoid::regprocedure) AS v FROM pg_trigger ORDER BY 1`;
    const policies = await sql<{ v: string }[]>`SELECT format('%s %s', polrelid::regclass, polname) AS v FROM pg_policy ORDER BY 1`;
    const roles = await sql<{ v: string }[]>`
      SELECT format('%s super=%s bypassrls=%s createrole=%s createdb=%s login=%s', rolname, rolsuper, rolbypassrls,
        rolcreaterole, rolcreatedb, rolcanlogin) AS v
      FROM pg_roles WHERE rolname !~ ${OTHER_TESTS_ROLES} ORDER BY 1`;
    const others = await sql.unsafe<{ v: string }[]>(`
      SELECT 'extension ' || extname AS v FROM pg_extension
      UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger
      UNION ALL SELECT format('type %s.%s', n.nspname, t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND ${NOT_TEMP("n.nspname")}
          AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
          AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
      ORDER BY 1`);
    const objects = await sql.unsafe<{ v: string }[]>(`
      SELECT 'schema ' || nspname AS v FROM pg_namespace WHERE nspname NOT IN ${SYSTEM_SCHEMAS} AND ${NOT_TEMP("nspname")}
      UNION ALL SELECT format('%s %s.%s', c.relkind, n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND ${NOT_TEMP("n.nspname")}
      ORDER BY 1`);
    return {
      builtIn: JSON.stringify(builtIn, null, 1),
      functions: column(functions),
      triggers: column(triggers),
      policies: column(policies),
      roles: column(roles),
      others: column(others),
      objects: column(objects),
    };
  } finally {
    await sql.end();
  }
}

// NileDB pass only (DATABASE_TARGET=nile, vitest.nile.config.ts): the database it needs is
// the NileDB-shaped one, which createTestDatabase gives only on that target.
describe.skipIf(!isNileTarget())("DATABASE_TARGET=nile pnpm db:migrate on NileDB's built-in tables only", () => {
  let db: TestDatabase;
  let env: Record<string, string | undefined>;
  let before: Snapshot;
  let afterFirst: Snapshot;
  // The baseline first, then what later migrations in migrations-nile/ hold (only what NileDB accepts).
  const journal = readJournal(defaultMigrationsFolder("nile"));
  const [baseline] = journal;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    env = { DATABASE_TARGET: "nile", DATABASE_URL: db.url, DATABASE_MIGRATION_URL: undefined, NILEDB_URL: undefined };
    before = await snapshot(db.url);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("applies NileDB's journal, creates no function, trigger, policy or role, and adds only drizzle's ledger", async () => {
    expect(db.engine).toBe("nile");
    // What the database holds first: the built-in tables (and the emulation), no ledger.
    expect(before.objects).toContain("r users.users");
    expect(before.objects).not.toContain("schema drizzle");

    const run = await runCli("migrate", env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`db:migrate: applied ${journal.length} (nile): ${journal.map((m) => m.tag).join(", ")}`);

    afterFirst = await snapshot(db.url);
    // (a) the built-in tables: columns, constraints, indexes, triggers, policies, rows, as they were
    expect(afterFirst.builtIn).toBe(before.builtIn);
    // (b) no function, procedure, trigger, policy or role, anywhere
    expect(afterFirst.functions).toEqual(before.functions);
    expect(afterFirst.triggers).toEqual(before.triggers);
    expect(afterFirst.policies).toEqual(before.policies);
    expect(afterFirst.roles).toEqual(before.roles);
    expect(afterFirst.others).toEqual(before.others);
    // (c) the only new objects: drizzle's ledger, its key's index and its id sequence
    expect(afterFirst.objects.filter((o) => !before.objects.includes(o))).toEqual([
      "S drizzle.__drizzle_migrations_id_seq",
      "i drizzle.__drizzle_migrations_pkey",
      "r drizzle.__drizzle_migrations",
      "schema drizzle",
    ]);
    expect(before.objects.filter((o) => !afterFirst.objects.includes(o))).toEqual([]);

    // The ledger records each migration as drizzle does: its journal stamp and its file's SHA-256.
    const files = readMigrationFiles({ migrationsFolder: defaultMigrationsFolder("nile") });
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const ledger = await sql`SELECT hash, created_at::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY id`;
      expect(ledger).toEqual(files.map((file, i) => ({ hash: file.hash, created_at: String(journal[i]!.when) })));
    } finally {
      await sql.end();
    }
  });

  it("a second run applies nothing and changes nothing", async () => {
    const run = await runCli("migrate", env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe("db:migrate: no pending migrations (nile)");
    expect(await snapshot(db.url)).toEqual(afterFirst);
  });

  it("db:check is green against it, comparing the ledger with NileDB's journal", async () => {
    const run = await runCli("check", env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("applied them as they are");

    // The comparison is with migrations-nile/: a ledger whose baseline hash differs goes red.
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ id: number; hash: string }[]>`SELECT id, hash FROM drizzle.__drizzle_migrations ORDER BY id LIMIT 1`;
      await sql`UPDATE drizzle.__drizzle_migrations SET hash = 'applied-version' WHERE id = ${row!.id}`;
      try {
        const red = await runCli("check", env);
        expect(red.code).toBe(1);
        expect(red.stderr).toContain(`applied migration ${baseline!.tag} changed since it was applied`);
      } finally {
        await sql`UPDATE drizzle.__drizzle_migrations SET hash = ${row!.hash} WHERE id = ${row!.id}`;
      }
    } finally {
      await sql.end();
    }
    expect(await snapshot(db.url)).toEqual(afterFirst);
  });
});
