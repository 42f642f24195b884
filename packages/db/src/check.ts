import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readJournal, readMigrations } from "./driver/journal";
import { defaultMigrationsFolder } from "./migrate";
import { lintNileMigrations } from "./nile-lint";

// `db:check`: the committed migrations are the one ledger, so they must agree with the
// schema, with each other and with what they were when committed. Four checks, each of
// which fails CI on its own (the CLI adds a fifth: the database's ledger, when there is one).

export interface CheckOptions {
  schema?: string;
  /** PostgreSQL's journal (also embedded and Citus) */
  folder?: string;
  /** NileDB's journal, checked the same way and linted for what NileDB refuses */
  nileFolder?: string;
}

export interface CheckResult {
  ok: boolean;
  problems: string[];
}

const packageDir = fileURLToPath(new URL("..", import.meta.url));

export function checkMigrations(options: CheckOptions = {}): CheckResult {
  const schema = options.schema ?? path.join(packageDir, "src", "schema", "index.ts");
  const nileFolder = options.nileFolder ?? defaultMigrationsFolder("nile");
  const problems = [
    ...checkJournalFolder(schema, options.folder ?? defaultMigrationsFolder()),
    ...checkJournalFolder(schema, nileFolder).map((problem) => `${path.basename(nileFolder)}: ${problem}`),
    ...lintNileMigrations(nileFolder),
  ];
  return { ok: problems.length === 0, problems };
}

// One journal against the schema: ordered, pinned, consistent, and up to date.
function checkJournalFolder(schema: string, folder: string): string[] {
  const problems = [...checkJournalOrder(folder), ...checkPinnedHashes(folder)];

  const check = drizzleKit(["check", "--dialect", "postgresql", "--out", folder]);
  if (check.status !== 0) problems.push(`drizzle-kit check failed:\n${check.output}`);

  const drift = generatedSinceCommit(schema, folder);
  if (drift) problems.push(`the schema has changes with no migration; run \`pnpm db:generate\`. It would add:\n${drift}`);
  return problems;
}

// drizzle's migrator applies only migrations stamped after the newest applied one, so a
// migration whose stamp is not the newest would be skipped silently on existing databases.
export function checkJournalOrder(folder: string): string[] {
  const problems: string[] = [];
  const entries = readJournal(folder);
  entries.forEach((entry, i) => {
    const previous = entries[i - 1];
    if (entry.idx !== i) problems.push(`journal entry ${entry.tag} has idx ${entry.idx}, expected ${i}`);
    if (previous && entry.when <= previous.when) {
      problems.push(`journal entry ${entry.tag} is stamped ${entry.when}, not after ${previous.tag} (${previous.when})`);
    }
    if (!fs.existsSync(path.join(folder, `${entry.tag}.sql`))) problems.push(`journal entry ${entry.tag} has no SQL file`);
  });
  return problems;
}

// Each migration's SHA-256 (drizzle's ledger hash) is pinned in migrations/hashes.json
// when its SQL is final (`db:pin`). An edit to an applied file then fails here without
// any database, and a deliberate one shows in review as a changed pin.
export const PINS_FILE = "hashes.json";

export function readPins(folder: string): Record<string, string> {
  const file = path.join(folder, PINS_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>) : {};
}

/** SHA-256 of each migration in the folder, by tag, as drizzle's ledger records it. */
export function migrationHashes(folder: string): Map<string, string> {
  const tags = new Map(readJournal(folder).map((entry) => [entry.when, entry.tag]));
  return new Map(readMigrations(folder).map((m) => [tags.get(m.folderMillis)!, m.hash]));
}

export function checkPinnedHashes(folder: string): string[] {
  const pins = readPins(folder);
  const problems: string[] = [];
  for (const [tag, hash] of migrationHashes(folder)) {
    if (pins[tag] === undefined) {
      problems.push(`migration ${tag} is not pinned: once its SQL is final, run \`pnpm --filter @penguinmails/db db:pin\``);
    } else if (pins[tag] !== hash) {
      problems.push(`migration ${tag} changed since it was pinned in ${PINS_FILE}: put the change in a new migration`);
    }
  }
  return problems;
}

/** Pins migrations that have no pin yet (in one journal); never changes an existing pin. Returns their tags. */
export function pinNewMigrations(folder: string = defaultMigrationsFolder()): string[] {
  const pins = readPins(folder);
  const added = [...migrationHashes(folder)].filter(([tag]) => pins[tag] === undefined);
  if (added.length === 0) return [];
  for (const [tag, hash] of added) pins[tag] = hash;
  fs.writeFileSync(path.join(folder, PINS_FILE), `${JSON.stringify(pins, null, 2)}\n`);
  return added.map(([tag]) => tag);
}

// Generates into a scratch copy of the migrations: any new file means drift.
function generatedSinceCommit(schema: string, folder: string): string | undefined {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "penguinmails-db-check-"));
  try {
    fs.cpSync(folder, scratch, { recursive: true });
    const before = new Set(fs.readdirSync(scratch));
    const run = drizzleKit(["generate", "--dialect", "postgresql", "--schema", schema, "--out", scratch, "--name", "drift"]);
    if (run.status !== 0) return `drizzle-kit generate failed:\n${run.output}`;
    const added = fs.readdirSync(scratch).filter((file) => !before.has(file) && file.endsWith(".sql"));
    if (added.length === 0) return undefined;
    return added.map((file) => fs.readFileSync(path.join(scratch, file), "utf8")).join("\n");
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function drizzleKit(args: string[]): { status: number | null; output: string } {
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve("drizzle-kit")), "bin.cjs");
  // drizzle-kit mishandles absolute --out/--schema paths ("./" + path): pass relative ones.
  const relative = args.map((arg) => (path.isAbsolute(arg) ? path.relative(packageDir, arg) : arg));
  const run = spawnSync(process.execPath, [bin, ...relative], { cwd: packageDir, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}
