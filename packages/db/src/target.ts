import fs from "node:fs";
import path from "node:path";
import { acquireSharedEmbedded } from "./embedded/shared";
import { readDbEnv, type DbEnv } from "./env";

// Which database a process talks to: the server named by the environment, or, with
// nothing configured, the developer's embedded database under .data/.

export interface DatabaseTarget {
  url: string;
  engine: "postgres" | "embedded";
  /** Stops the embedded engine if this process hosts it; a no-op otherwise. */
  release(): Promise<void>;
}

/** The database the apps use (DATABASE_URL). */
export function resolveAppDatabase(env: DbEnv = readDbEnv()): Promise<DatabaseTarget> {
  return resolve(env.DATABASE_URL, env);
}

/** The database migrations run against: the owner's URL, DATABASE_MIGRATION_URL, else DATABASE_URL. */
export function resolveMigrationDatabase(env: DbEnv = readDbEnv()): Promise<DatabaseTarget> {
  return resolve(env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL, env);
}

async function resolve(url: string | undefined, env: DbEnv): Promise<DatabaseTarget> {
  if (url) return { url, engine: "postgres", release: async () => {} };
  const shared = await acquireSharedEmbedded(embeddedDataDir(env));
  return { url: shared.url, engine: "embedded", release: shared.release };
}

/** Where the embedded database keeps its files: PGLITE_DATA_DIR, else .data/pglite. */
export function embeddedDataDir(env: DbEnv = readDbEnv()): string {
  return env.PGLITE_DATA_DIR ?? defaultDataDir();
}

// .data/pglite at the workspace root, found from the working directory so it holds
// whether a command runs from the root, from a package (turbo), or from a bundle.
function defaultDataDir(): string {
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, "pnpm-workspace.yaml"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(".data", "pglite");
    dir = parent;
  }
  return path.join(dir, ".data", "pglite");
}
