import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Column, eq, getTableColumns, is, Placeholder, sql, SQL } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { PgDialect } from "drizzle-orm/pg-core";
import { drizzle, PostgresJsDatabase, PostgresJsSession } from "drizzle-orm/postgres-js";
import { migrate as drizzleMigrate } from "drizzle-orm/postgres-js/migrator";
import { fillPlaceholders } from "drizzle-orm/sql";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { DataError } from "../src/errors";
import { statement } from "../src/driver/statements";
import { defaultMigrationsFolder, readJournal } from "../src/migrate";
import * as schema from "../src/schema";
import { users } from "../src/schema";
import { useTestDatabase } from "../src/testing/vitest";
import { countingTrips } from "./support/trips";

// The driver contract: every assumption @penguinmails/db makes about drizzle-orm's and
// postgres.js's internals (private fields, @internal members, undocumented behaviour), one
// test each, so that upgrading either fails here first and says which assumption broke.
// What the patched postgres.js does with broken reserved connections is pinned in
// driver-reserved-connections.test.ts, not here.
const ctx = useTestDatabase();

type Internal = { session: { client: unknown } };
const sessionOf = (db: unknown) => (db as Internal).session;
const pidOf = async (run: Promise<unknown>) => ((await run) as { pid: number }[])[0]!.pid;

/** A reserved connection of the test client's pool, released after `use`. */
async function reserved<T>(use: (connection: postgres.ReservedSql) => Promise<T>): Promise<T> {
  const connection = await ctx.client.sql.reserve();
  try {
    return await use(connection);
  } finally {
    connection.release();
  }
}

/** context.ts's transactionOn(): drizzle's database built by hand over `client`. */
function builtAsContextDoes(client: unknown) {
  const dialect = new PgDialect();
  return new PostgresJsDatabase(dialect, new PostgresJsSession(client as postgres.Sql, dialect, undefined), undefined);
}

describe("drizzle-orm: the session and database context.ts builds", () => {
  // context.ts transactionOn() and statements.ts clientOf(): select() runs its prepared
  // statements on `session.client`, which must be the connection the context reserved.
  it("PostgresJsSession(client, dialect, schema) keeps its client as `session.client`", async () => {
    await reserved((connection) => {
      const tx = builtAsContextDoes(connection);
      expect(sessionOf(tx)).toBeInstanceOf(PostgresJsSession);
      expect(sessionOf(tx).client).toBe(connection);
      return Promise.resolve();
    });
    // And a Database made by drizzle() (createClient) has the pool there, also as $client.
    expect(sessionOf(ctx.client.db).client).toBe(ctx.client.sql);
  });

  // context.ts holding() reserves from `db.$client` and keys the Citus probe on it.
  it("drizzle() exposes the postgres.js client it was given as `$client`", () => {
    const client = postgres("postgres://nobody@127.0.0.1:1/none", { max: 1 });
    const db = drizzle(client, { schema });
    expect(db.$client).toBe(client);
    void client.end({ timeout: 0 });
  });

  // context.ts transactionOn(): queries of the hand-built database run on the reserved
  // connection (the one holding the context's transaction), not anywhere else.
  it("PostgresJsDatabase(dialect, session, schema) runs its queries on the session's client", async () => {
    await reserved(async (connection) => {
      const own = await pidOf(connection`SELECT pg_backend_pid() AS pid`);
      const tx = builtAsContextDoes(connection);
      expect(await pidOf(tx.execute(sql`SELECT pg_backend_pid() AS pid`))).toBe(own);
      const [row] = await tx.select({ n: sql<number>`2 + 2`.mapWith(Number) }).from(sql`(SELECT 1) AS one`);
      expect(row).toEqual({ n: 4 });
    });
  });

  // context.ts statementsInContext(): the read path hands drizzle a stand-in with only
  // `unsafe`, returning a thenable with only `values()`. That holds while drizzle calls
  // nothing else on its client: unsafe(text, params, { prepare }), awaited or via .values().
  it("drizzle calls only unsafe(text, params, options) on its client, awaited or through .values()", async () => {
    const calls: { text: string; params: unknown; options: unknown; values: boolean }[] = [];
    const unsafe = (text: string, params?: unknown, options?: unknown) => {
      const call = { text, params, options, values: false };
      calls.push(call);
      const pending = {
        values() {
          call.values = true;
          return pending;
        },
        then: (onFulfilled: (value: unknown) => unknown) => Promise.resolve(call.values ? [["7"]] : [{ one: 1 }]).then(onFulfilled),
      };
      return pending;
    };
    const standIn = new Proxy(
      { unsafe },
      {
        get(target, key) {
          if (key !== "unsafe") throw new Error(`drizzle read client.${String(key)}`);
          return target.unsafe;
        },
      },
    );
    const tx = builtAsContextDoes(standIn);
    expect(await tx.execute(sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    expect(await tx.select({ id: users.id }).from(users).where(eq(users.id, "7"))).toEqual([{ id: "7" }]);
    await tx.insert(users).values({ id: "7", email: "a@example.test" });
    expect(calls).toEqual([
      { text: "SELECT 1 AS one", params: [], options: { prepare: false }, values: false },
      { text: 'select "id" from "users"."users" where "users"."users"."id" = $1', params: ["7"], options: { prepare: false }, values: true },
      expect.objectContaining({ text: expect.stringMatching(/^insert into "users"\."users"/) as unknown, values: false }),
    ]);
  });

  // context.ts holding() unwraps `error.cause` to find the DataError a failed context entry
  // raised; statements.ts select() throws `new DrizzleQueryError(text, params, cause)` so
  // its errors look like drizzle's own. Both rely on the wrapper's shape.
  it("a driver error reaches the caller as DrizzleQueryError(query, params, cause), the cause untouched", async () => {
    const refusal = new DataError("not_found", "tenant not found");
    const tx = builtAsContextDoes({
      unsafe: () => ({ values: () => Promise.reject(refusal), then: (_: unknown, no: (e: unknown) => unknown) => Promise.reject(refusal).catch(no) }),
    });
    const failed = await tx.execute(sql`SELECT ${1}`).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DrizzleQueryError);
    expect(failed).toMatchObject({ query: "SELECT $1", params: [1] });
    expect((failed as Error).cause).toBe(refusal);
    // From the real driver too: the server's error, with its SQLSTATE, is the cause.
    const real = await ctx.client.db.execute(sql`SELECT * FROM no_such_table`).catch((e: unknown) => e);
    expect(real).toBeInstanceOf(DrizzleQueryError);
    expect(((real as Error).cause as { code?: string }).code).toBe("42P01");
    const ours = new DrizzleQueryError("SELECT $1", [1], refusal);
    expect(ours).toMatchObject({ query: "SELECT $1", params: [1], cause: refusal });
  });

  // context.ts: a reserved connection shares its pool's type parsers, which drizzle()
  // (createClient) set to pass date/time types through as text; drizzle's column mappers
  // (PgTimestamp.mapFromDriverValue) expect that text. Without it dates decode wrongly.
  it("drizzle() makes the pool return date/time types as text, and its reserved connections share that", async () => {
    await reserved(async (connection) => {
      const [row] = await connection`SELECT now() AS at, current_date AS day, now()::timestamp AS local`;
      expect(row).toMatchObject({ at: expect.any(String) as unknown, day: expect.any(String) as unknown, local: expect.any(String) as unknown });
    });
  });
});

describe("postgres.js: the reserved connection context.ts drives", () => {
  // context.ts open() and statementsInContext(): execute() sends a query without awaiting
  // it (what queues BEGIN and the context ahead of the work), and values() gives arrays.
  it("unsafe(...).execute() sends the query now and settles with its rows; .values() gives arrays", async () => {
    await reserved(async (connection) => {
      const query = connection.unsafe("SELECT 1 AS one, 'b' AS two");
      expect(query.execute()).toBe(query);
      expect([...(await query)]).toEqual([{ one: 1, two: "b" }]);
      expect([...(await connection.unsafe("SELECT 1 AS one, 'b' AS two").values())]).toEqual([[1, "b"]]);
    });
  });

  // context.ts inContext()/readInContext(): BEGIN, the context, the work's first statement
  // (and, on the read path, COMMIT) are queued without awaiting, and rely on postgres.js to
  // write what is queued together, in order, so the server runs them in order and a
  // request costs one round trip for all of them.
  it("queries queued on a reserved connection run in order and go out in one round trip", async () => {
    const { options, trips } = countingTrips(ctx.database.url);
    const pool = postgres(ctx.database.url, options);
    try {
      const connection = await pool.reserve();
      await connection`SELECT 1`;
      const before = trips();
      const opening = connection.unsafe("BEGIN READ ONLY; SET LOCAL application_name = 'contract'").execute();
      const statement = connection.unsafe("SELECT current_setting('application_name') AS name").execute();
      const closing = connection.unsafe("COMMIT").execute();
      await Promise.all([opening, closing]);
      expect([...(await statement)]).toEqual([{ name: "contract" }]);
      expect(trips() - before).toBe(1);
      connection.release();
    } finally {
      await pool.end({ timeout: 1 });
    }
  });
});

describe("drizzle-orm: the prepared query statements.ts reads", () => {
  const builder = drizzle.mock({ schema });
  const byId = () =>
    builder
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(eq(users.id, sql.placeholder("id")));
  const internal = (query: unknown) => query as { queryString: unknown; params: unknown; prepare: unknown; fields: { path: string[]; field: unknown }[] };

  // statement(): the text sent as the named prepared statement is `queryString`.
  it("`queryString` is the SQL drizzle sends", () => {
    const prepared = internal(byId().prepare("contract_by_id"));
    expect(prepared.queryString).toBe('select "id", "email" from "users"."users" where "users"."users"."id" = $1');
    expect(prepared.queryString).toBe(byId().toSQL().sql);
  });

  // statement() reads `params` once: each a Placeholder (sql.placeholder()), filled by name on
  // every call as drizzle's fillPlaceholders() fills it, or a value sent as it is.
  it("`params` hold sql.placeholder() as a Placeholder, filled by name as fillPlaceholders() does", () => {
    const build = (db: typeof builder) =>
      db
        .select({ id: users.id })
        .from(users)
        .where(sql`${users.id} = ${sql.placeholder("id")} AND ${users.email} = ${"x@example.test"}`)
        .prepare("contract_params");
    const params = internal(build(builder)).params as unknown[];
    expect(params).toHaveLength(2);
    expect(is(params[0], Placeholder)).toBe(true);
    expect(params[1]).toBe("x@example.test");
    expect(fillPlaceholders(params, { id: "7" })).toEqual(["7", "x@example.test"]);
    expect(() => fillPlaceholders(params, {})).toThrow(/id/);
    const ours = statement(build);
    expect(ours.params({ id: "7" })).toEqual(fillPlaceholders(params, { id: "7" }));
    expect(() => ours.params({})).toThrow(/id/);
  });

  // statement(): `prepare` decides whether select() asks postgres.js for a named prepared
  // statement (the server then skips parsing and planning).
  it("`prepare` is true for a query prepared with a name", () => {
    expect(internal(byId().prepare("contract_prepare")).prepare).toBe(true);
  });

  // compileMapper(): maps array rows by position through `fields`, each a flat path
  // ([key]) and the Column whose mapFromDriverValue decodes the value.
  it("`fields` list the selected keys in order as { path: [key], field: Column }", () => {
    expect(internal(byId().prepare("contract_fields")).fields).toEqual([
      { path: ["id"], field: users.id },
      { path: ["email"], field: users.email },
    ]);
    const whole = internal(builder.select().from(users).prepare("contract_all")).fields;
    expect(whole.map((f) => f.path)).toEqual(Object.keys(getTableColumns(users)).map((key) => [key]));
    expect(whole.every((f) => is(f.field, Column))).toBe(true);
    // The driver's text for a timestamptz becomes a Date (see the type parsers above).
    expect(users.created.mapFromDriverValue("2024-01-02 03:04:05+00")).toEqual(new Date("2024-01-02T03:04:05Z"));
    // A column that does not override Column's own mapFromDriverValue is copied as it is.
    const decoderOf = (target: object): unknown => Reflect.get(target, "mapFromDriverValue");
    expect(decoderOf(users.email)).toBe(decoderOf(Column.prototype));
    expect(decoderOf(users.created)).not.toBe(decoderOf(Column.prototype));
    expect(Column.prototype.mapFromDriverValue("as is")).toBe("as is");
    const row = statement((db) => db.select({ id: users.id, created: users.created }).from(users).prepare("contract_mapped")).map([
      "7",
      "2024-01-02 03:04:05+00",
    ]);
    expect(row).toEqual({ id: "7", created: new Date("2024-01-02T03:04:05Z") });
  });

  // compileMapper(): an SQL field (or an aliased one) is decoded by its internal `decoder`,
  // set by mapWith(); drizzle's own mapper reads the same field.
  it("an SQL field carries `decoder.mapFromDriverValue`, set by mapWith(), also under .as()", () => {
    const count = sql<number>`count(*)`.mapWith(Number);
    const plain = sql<string>`'x'`;
    const fields = internal(
      builder
        .select({ n: count, s: plain, a: sql<number>`1`.mapWith(Number).as("a") })
        .from(users)
        .prepare("contract_sql"),
    ).fields;
    expect(fields.map((f) => f.path)).toEqual([["n"], ["s"], ["a"]]);
    const decoderOf = (field: unknown) => (field as { decoder: { mapFromDriverValue(v: unknown): unknown } }).decoder;
    expect(is(fields[0]!.field, SQL)).toBe(true);
    expect(decoderOf(fields[0]!.field).mapFromDriverValue("3")).toBe(3);
    expect(decoderOf(fields[1]!.field).mapFromDriverValue("x")).toBe("x");
    expect(is(fields[2]!.field, SQL.Aliased)).toBe(true);
    expect(decoderOf((fields[2]!.field as SQL.Aliased).sql).mapFromDriverValue("5")).toBe(5);
  });
});

describe("drizzle-orm: the migration ledger migrate.ts and check.ts share", () => {
  const folder = defaultMigrationsFolder();

  // migrate.ts writes and check.ts pins `hash` (SHA-256 of the file) and `folderMillis`
  // (the journal's `when`), and splits nothing itself: `sql` is the file cut at breakpoints.
  it("readMigrationFiles() gives each journal entry's SHA-256, stamp and statements, in journal order", () => {
    const journal = readJournal(folder);
    const files = readMigrationFiles({ migrationsFolder: folder });
    expect(files).toHaveLength(journal.length);
    files.forEach((file, i) => {
      const text = fs.readFileSync(path.join(folder, `${journal[i]!.tag}.sql`), "utf8");
      expect(file.folderMillis).toBe(journal[i]!.when);
      expect(file.hash).toBe(crypto.createHash("sha256").update(text).digest("hex"));
      expect(file.sql).toEqual(text.split("--> statement-breakpoint"));
    });
  });

  // migrate.ts writes drizzle's own ledger table so drizzle-kit and drizzle's migrator read
  // the same history: same table, columns and row contents as drizzle would write.
  it("our ledger is drizzle.__drizzle_migrations (id serial, hash text, created_at bigint), one row per migration", async () => {
    const columns = await ctx.client.sql`
      SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'drizzle' AND table_name = '__drizzle_migrations' ORDER BY ordinal_position`;
    expect([...columns]).toEqual([
      { column_name: "id", data_type: "integer" },
      { column_name: "hash", data_type: "text" },
      { column_name: "created_at", data_type: "bigint" },
    ]);
    const rows = await ctx.client.sql<{ hash: string; created_at: string }[]>`SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id`;
    expect(rows.map((r) => [r.hash, Number(r.created_at)])).toEqual(readMigrationFiles({ migrationsFolder: folder }).map((m) => [m.hash, m.folderMillis]));
  });

  // The contract: a database our migrate() brought up to date is up to date for
  // drizzle's own migrator too (nothing applied, no error, ledger unchanged).
  it("after our migrate(), drizzle's own migrator finds nothing to apply", async () => {
    const ledger = () => ctx.client.sql`SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id`;
    const before = [...(await ledger())];
    const client = postgres(ctx.database.url, { max: 1, onnotice: () => {} });
    try {
      await drizzleMigrate(drizzle(client), { migrationsFolder: folder });
    } finally {
      await client.end({ timeout: 5 });
    }
    expect([...(await ledger())]).toEqual(before);
  });

  // migrate.ts applies "anything stamped after the newest applied one", as drizzle does, and
  // check.ts checkJournalOrder() exists because a migration stamped earlier is skipped
  // silently. Pinned on a ledger of its own (migrationsSchema), in the same database.
  it("drizzle's migrator skips a migration stamped before the newest applied one", async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "penguinmails-contract-"));
    const client = postgres(ctx.database.url, { max: 1, onnotice: () => {} });
    const entry = (idx: number, when: number, tag: string) => ({ idx, version: "7", when, tag, breakpoints: true });
    const write = (entries: ReturnType<typeof entry>[]) =>
      fs.writeFileSync(path.join(scratch, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
    try {
      fs.mkdirSync(path.join(scratch, "meta"));
      fs.writeFileSync(path.join(scratch, "0000_a.sql"), "CREATE TABLE contract_a (id int);");
      fs.writeFileSync(path.join(scratch, "0001_b.sql"), "CREATE TABLE contract_b (id int);");
      const config = { migrationsFolder: scratch, migrationsSchema: "contract_ledger" };
      write([entry(0, 2000, "0000_a")]);
      await drizzleMigrate(drizzle(client), config);
      write([entry(0, 2000, "0000_a"), entry(1, 1000, "0001_b")]);
      await drizzleMigrate(drizzle(client), config);
      const [tables] = await client`SELECT to_regclass('contract_a') IS NOT NULL AS a, to_regclass('contract_b') IS NOT NULL AS b`;
      expect(tables).toEqual({ a: true, b: false });
      expect((await client`SELECT created_at FROM contract_ledger.__drizzle_migrations`).map((r) => Number(r.created_at))).toEqual([2000]);
    } finally {
      await client.end({ timeout: 5 });
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
