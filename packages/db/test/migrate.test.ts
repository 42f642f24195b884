import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MigrationChangedError, MigrationFailedError, readJournal, defaultMigrationsFolder } from "../src/migrate";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { runCli } from "./support/cli";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function emptyDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrate: false });
  cleanups.push(() => database.drop());
  return database;
}

async function query<T extends object>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end();
  }
}

const allTags = readJournal().map((entry) => entry.tag);

describe("pnpm db:migrate", () => {
  it("applies every migration to an empty database, says which, and is a no-op the second time", async () => {
    const { url } = await emptyDatabase();
    const first = await runCli("migrate", { DATABASE_URL: url, DATABASE_MIGRATION_URL: undefined });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${allTags.length}`);
    for (const tag of allTags) expect(first.stdout).toContain(tag);

    const second = await runCli("migrate", { DATABASE_URL: url, DATABASE_MIGRATION_URL: undefined });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("no pending migrations");
    const ledger = await query<{ count: number }>(url, "SELECT count(*)::int AS count FROM drizzle.__drizzle_migrations");
    expect(ledger[0]!.count).toBe(allTags.length);
  });

  it("8 simultaneous runs on an empty database all succeed and apply each migration once", async () => {
    const { url } = await emptyDatabase();
    const runs = await Promise.all(Array.from({ length: 8 }, () => runCli("migrate", { DATABASE_URL: url, DATABASE_MIGRATION_URL: undefined })));
    expect(runs.map((run) => [run.code, run.stderr])).toEqual(Array(8).fill([0, ""]));
    expect(runs.filter((run) => run.stdout.includes(`applied ${allTags.length}`))).toHaveLength(1);
    expect(runs.filter((run) => run.stdout.includes("no pending migrations"))).toHaveLength(7);
    const ledger = await query<{ hash: string }>(url, "SELECT hash FROM drizzle.__drizzle_migrations");
    expect(ledger).toHaveLength(allTags.length);
    expect(new Set(ledger.map((row) => row.hash)).size).toBe(allTags.length);
  });

  it("prefers DATABASE_MIGRATION_URL over DATABASE_URL", async () => {
    const { url } = await emptyDatabase();
    const run = await runCli("migrate", { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", DATABASE_MIGRATION_URL: url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`applied ${allTags.length}`);
  });

  it("names an unreachable server in one line, without the password, and exits 1", async () => {
    const run = await runCli("migrate", { DATABASE_URL: "postgres://app:s3cret-pw@127.0.0.1:1/penguin", DATABASE_MIGRATION_URL: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("db:migrate: cannot reach PostgreSQL at 127.0.0.1:1/penguin (ECONNREFUSED)");
    expect(run.stderr + run.stdout).not.toContain("s3cret-pw");
  });

  it("refuses a URL that is not a postgres URL, in one line, and exits 1", async () => {
    const run = await runCli("migrate", { DATABASE_URL: "mysql://root:pw@localhost/db", DATABASE_MIGRATION_URL: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("db:migrate: invalid environment: DATABASE_URL must be a postgres:// or postgresql:// URL");
  });
});

/** A temporary copy of the committed migrations, plus one more migration with this SQL. */
function migrationsWith(tag: string, sql: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "penguinmails-migrations-"));
  cleanups.push(() => {
    fs.rmSync(folder, { recursive: true, force: true });
    return Promise.resolve();
  });
  fs.cpSync(defaultMigrationsFolder(), folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { idx: number; when: number; tag: string }[] };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag });
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  fs.writeFileSync(path.join(folder, `${tag}.sql`), sql);
  return folder;
}

describe("a failing migration", () => {
  it("leaves the schema and the ledger as they were", async () => {
    const { url } = await emptyDatabase();
    await migrate(url);

    // A copy of the real migrations plus one whose second statement fails.
    const folder = migrationsWith(
      "9999_broken",
      "ALTER TABLE users ADD COLUMN nickname text;\n--> statement-breakpoint\nALTER TABLE no_such_table ADD COLUMN x int;",
    );

    const error = await migrate(url, { folder }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as MigrationFailedError).tag).toBe("9999_broken");
    expect((error as MigrationFailedError).code).toBe("42P01");

    const columns = await query(url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'");
    expect(columns).toHaveLength(0);
    const ledger = await query(url, "SELECT 1 FROM drizzle.__drizzle_migrations");
    expect(ledger).toHaveLength(allTags.length);
  });
});

describe("an applied migration whose file changed since", () => {
  const edited = allTags[2]!;

  it("is refused by name, with a typed error, and nothing pending is applied", async () => {
    const { url } = await emptyDatabase();
    await migrate(url);
    const folder = migrationsWith("9999_pending", "ALTER TABLE users ADD COLUMN nickname text;");
    fs.appendFileSync(path.join(folder, `${edited}.sql`), "\n-- an innocent-looking edit\n");

    const error = await migrate(url, { folder }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationChangedError);
    expect((error as MigrationChangedError).tags).toEqual([edited]);
    expect((error as Error).message).toContain(`applied migration ${edited} changed since it was applied`);

    const columns = await query(url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'");
    expect(columns).toHaveLength(0);
    const ledger = await query(url, "SELECT 1 FROM drizzle.__drizzle_migrations");
    expect(ledger).toHaveLength(allTags.length);
  });

  it("makes `pnpm db:migrate` exit 1 naming it, leaving the ledger as it was", async () => {
    const { url } = await emptyDatabase();
    await migrate(url);
    // The database applied another version of the file than the one committed now.
    const [entry] = readJournal().filter((e) => e.tag === edited);
    await query(url, `UPDATE drizzle.__drizzle_migrations SET hash = 'applied-version' WHERE created_at = ${entry!.when}`);

    const run = await runCli("migrate", { DATABASE_URL: url, DATABASE_MIGRATION_URL: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`db:migrate: applied migration ${edited} changed since it was applied`);
    const ledger = await query<{ hash: string }>(url, "SELECT hash FROM drizzle.__drizzle_migrations ORDER BY created_at");
    expect(ledger.map((row) => row.hash)).toHaveLength(allTags.length);
    expect(ledger[2]!.hash).toBe("applied-version");
  });
});
