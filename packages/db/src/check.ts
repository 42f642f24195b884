import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defaultMigrationsFolder, readJournal } from "./migrate";

// `db:check`: the committed migrations are the one ledger, so they must agree with the
// schema and with each other. Three checks, each of which fails CI on its own.

export interface CheckOptions {
  schema?: string;
  folder?: string;
}

export interface CheckResult {
  ok: boolean;
  problems: string[];
}

const packageDir = fileURLToPath(new URL("..", import.meta.url));

export function checkMigrations(options: CheckOptions = {}): CheckResult {
  const schema = options.schema ?? path.join(packageDir, "src", "schema", "index.ts");
  const folder = options.folder ?? defaultMigrationsFolder();
  const problems = [...checkJournalOrder(folder)];

  const check = drizzleKit(["check", "--dialect", "postgresql", "--out", folder]);
  if (check.status !== 0) problems.push(`drizzle-kit check failed:\n${check.output}`);

  const drift = generatedSinceCommit(schema, folder);
  if (drift) problems.push(`the schema has changes with no migration; run \`pnpm db:generate\`. It would add:\n${drift}`);

  return { ok: problems.length === 0, problems };
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
