import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { repoRoot } from "./report";

// What the figures were measured on, written into bench-results.json beside them.

export async function machineInfo(serverUrl: string | undefined): Promise<Record<string, unknown>> {
  return {
    cpus: os.availableParallelism(),
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres_server: serverUrl ? await serverVersion(serverUrl) : null,
    packages: catalogVersions(["postgres", "drizzle-orm", "@electric-sql/pglite"]),
  };
}

/**
 * Which data layer was measured: the commit, whether packages/db differed from it, and a
 * hash of its source and migrations, so figures can be matched to code that was never committed.
 */
export function dataLayerState(): Record<string, unknown> {
  const root = repoRoot();
  const db = path.join(root, "packages", "db");
  const hash = createHash("sha256");
  for (const dir of ["src", "migrations"]) {
    for (const file of listFiles(path.join(db, dir))) hash.update(path.relative(db, file)).update(fs.readFileSync(file));
  }
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  const changes = git("status", "--porcelain", "--", "packages/db");
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    packages_db_uncommitted_changes: changes === null ? null : changes.split("\n").filter(Boolean).length,
    packages_db_sha256: hash.digest("hex").slice(0, 16),
  };
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

async function serverVersion(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ version: string }[]>`SELECT version()`;
    return row?.version ?? "unknown";
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// Versions are pinned once, in the workspace catalog; read them from there.
function catalogVersions(names: string[]): Record<string, string> {
  const text = fs.readFileSync(path.join(repoRoot(), "pnpm-workspace.yaml"), "utf8");
  const found: Record<string, string> = {};
  for (const name of names) {
    const match = new RegExp(`^\\s+"?${name.replace(/[/.]/g, "\\$&")}"?:\\s*(\\S+)\\s*$`, "m").exec(text);
    found[name] = match?.[1] ?? "unknown";
  }
  return found;
}
