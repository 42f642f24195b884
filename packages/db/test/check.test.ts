import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkMigrations } from "../src/check";
import { defaultMigrationsFolder } from "../src/migrate";
import { packageDir, runCli } from "./support/cli";

// Scratch files live inside the package so drizzle-kit resolves drizzle-orm from them.
const scratchRoot = path.join(packageDir, "test", ".scratch");
const scratches: string[] = [];
afterEach(() => {
  for (const dir of scratches.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

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
  it("is green on the committed migrations", async () => {
    const run = await runCli("check", {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
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
    const journal = JSON.parse(fs.readFileSync(journalPath, "utf8"));
    journal.entries[1].when = journal.entries[0].when - 1;
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    const result = checkMigrations({ folder });
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toMatch(/journal entry \S+ is stamped \d+, not after/);
  });

  it("goes red when drizzle-kit check finds the snapshots inconsistent", () => {
    const folder = copyMigrations();
    // Two snapshots claiming the same parent is the collision drizzle-kit check reports.
    const snapshots = fs.readdirSync(path.join(folder, "meta")).filter((f) => f.endsWith("_snapshot.json")).sort();
    const first = JSON.parse(fs.readFileSync(path.join(folder, "meta", snapshots[0]!), "utf8"));
    const secondPath = path.join(folder, "meta", snapshots[1]!);
    const second = JSON.parse(fs.readFileSync(secondPath, "utf8"));
    second.prevId = first.prevId;
    fs.writeFileSync(secondPath, JSON.stringify(second));
    const result = checkMigrations({ folder });
    expect(result.ok).toBe(false);
    expect(result.problems.join("\n")).toContain("drizzle-kit check failed");
  });
});
