import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MigrationFailedError, readJournal, defaultMigrationsFolder } from "../src/migrate";
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
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => runCli("migrate", { DATABASE_URL: url, DATABASE_MIGRATION_URL: undefined })),
    );
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

describe("a failing migration", () => {
  it("leaves the schema and the ledger as they were", async () => {
    const { url } = await emptyDatabase();
    await migrate(url);

    // A copy of the real migrations plus one whose second statement fails.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "penguinmails-migrations-"));
    cleanups.push(async () => fs.rmSync(folder, { recursive: true, force: true }));
    fs.cpSync(defaultMigrationsFolder(), folder, { recursive: true });
    const journalPath = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8"));
    const last = journal.entries.at(-1);
    journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: "9999_broken" });
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    fs.writeFileSync(
      path.join(folder, "9999_broken.sql"),
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
