import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import postgres from "postgres";
import { checkMigrations, pinNewMigrations, readPins } from "../src/check";
import { defaultMigrationsFolder, readJournal } from "../src/migrate";
import { createTestDatabase } from "../src/testing";
import { packageDir, runCli } from "./support/cli";

// Scratch files live inside the package so drizzle-kit resolves drizzle-orm from them.
const scratchRoot = path.join(packageDir, "test", ".scratch");
const scratches: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dir of scratches.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A migrated database of its own: db:check compares the ledger of the one it is given. */
async function migratedDatabase(): Promise<string> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return database.url;
}

const tags = readJournal().map((entry) => entry.tag);

function scratch(): string {
  fs.mkdirSync(scratchRoot, { recursive: true });
  const dir = fs.mkdtempSync(path.join(scratchRoot, "check-"));
  scratches.push(dir);
  return dir;
}

function copyMigrations(): string {
  const folder = path.join(scratch(), "migrations");
  fs.cpSync(defaultMigrationsFolder(), folder, { recursive: true });
  return folder;
}

describe("pnpm db:check", () => {
  it("is green on the committed migrations, pinned and applied as they are", async () => {
    const url = await migratedDatabase();
    const run = await runCli("check", { DATABASE_URL: url, DATABASE_MIGRATION_URL: undefined });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("applied them as they are");
    expect(Object.keys(readPins(defaultMigrationsFolder()))).toEqual(tags);
  });

  it("goes red naming the migration when the database applied another version of its file", async () => {
    const url = await migratedDatabase();
    const edited = readJournal()[2]!;
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql`UPDATE drizzle.__drizzle_migrations SET hash = 'applied-version' WHERE created_at = ${edited.when}`;
    await sql.end();
    const run = await runCli("check", { DATABASE_URL: url, DATABASE_MIGRATION_URL: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`applied migration ${edited.tag} changed since it was applied`);
  });

  it("goes red, with no database, when a pinned migration's file was edited", () => {
    const folder = copyMigrations();
    fs.appendFileSync(path.join(folder, `${tags[2]}.sql`), "\n-- an innocent-looking edit\n");
    const result = checkMigrations({ folder });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([`migration ${tags[2]} changed since it was pinned in hashes.json: put the change in a new migration`]);
  });

  it("goes red when migrations-nile/ holds a statement NileDB refuses, naming its evidence", () => {
    const nileFolder = path.join(scratch(), "migrations-nile");
    fs.cpSync(defaultMigrationsFolder("nile"), nileFolder, { recursive: true });
    const baseline = readJournal(nileFolder)[0]!.tag;
    expect(checkMigrations({ nileFolder }).problems).toEqual([]);
    // A migration someone copied from migrations/: a trigger function and its trigger.
    fs.writeFileSync(
      path.join(nileFolder, "0001_touch.sql"),
      "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n--> statement-breakpoint\n" +
        'CREATE TRIGGER touch BEFORE UPDATE ON "tenants" FOR EACH ROW EXECUTE FUNCTION touch();\n',
    );
    const problems = checkMigrations({ nileFolder }).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^migrations-nile\/0001_touch\.sql: .*FUNCTION.*postgres-compatibility \[doc\]/);
    expect(problems[1]).toMatch(/^migrations-nile\/0001_touch\.sql: .*TRIGGER.*postgres-compatibility \[doc\]/);
    expect(baseline).toBe("0000_nile_baseline");
  });

  it("goes red when a migration is not pinned; db:pin pins only new ones, never an edited one", () => {
    const folder = copyMigrations();
    const pins = readPins(folder);
    const last = tags.at(-1)!;
    delete pins[last];
    fs.writeFileSync(path.join(folder, "hashes.json"), JSON.stringify(pins));
    fs.appendFileSync(path.join(folder, `${tags[0]}.sql`), "\n-- edited\n");
    expect(checkMigrations({ folder }).problems.join("\n")).toContain(`migration ${last} is not pinned`);

    expect(pinNewMigrations(folder)).toEqual([last]);
    const problems = checkMigrations({ folder }).problems;
    expect(problems).toEqual([`migration ${tags[0]} changed since it was pinned in hashes.json: put the change in a new migration`]);
  });

  it("goes red when the schema changed without generating", () => {
    const dir = scratch();
    const schema = path.join(dir, "schema.ts");
    fs.writeFileSync(
      schema,
      [
        `export * from "${path.join(packageDir, "src", "schema", "index.ts")}";`,
        `import { pgTable, text, uuid } from "drizzle-orm/pg-core";`,
        `export const mailboxes = pgTable("mailboxes", { id: uuid("id").primaryKey(), address: text("address") });`,
      ].join("\n"),
    );
    const result = checkMigrations({ schema });
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toContain('CREATE TABLE "mailboxes"');
  });

  it("goes red when a journal entry is not stamped after the one before", () => {
    const folder = copyMigrations();
    const journalPath = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8")) as { entries: { when: number }[] };
    journal.entries[1]!.when = journal.entries[0]!.when - 1;
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    const result = checkMigrations({ folder });
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toMatch(/journal entry \S+ is stamped \d+, not after/);
  });

  it("goes red when drizzle-kit check finds the snapshots inconsistent", () => {
    const folder = copyMigrations();
    // Two snapshots claiming the same parent is the collision drizzle-kit check reports.
    const snapshots = fs
      .readdirSync(path.join(folder, "meta"))
      .filter((f) => f.endsWith("_snapshot.json"))
      .sort();
    const first = JSON.parse(fs.readFileSync(path.join(folder, "meta", snapshots[0]!), "utf8")) as { prevId: string };
    const secondPath = path.join(folder, "meta", snapshots[1]!);
    const second = JSON.parse(fs.readFileSync(secondPath, "utf8")) as { prevId: string };
    second.prevId = first.prevId;
    fs.writeFileSync(secondPath, JSON.stringify(second));
    const result = checkMigrations({ folder });
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toContain("drizzle-kit check failed");
  });
});
