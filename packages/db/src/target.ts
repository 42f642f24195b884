import fs from "node:fs";
import path from "node:path";
import { acquireSharedEmbedded } from "./embedded/shared";
import { ConfigError, readDbEnv, type DbEnv } from "./env";

// Which database a process talks to: the server named by the environment, or, with
// nothing configured, the developer's embedded database under .data/.

export interface DatabaseTarget {
  url: string;
  /** nile: a NileDB database, with its own migration journal and contexts */
  engine: "postgres" | "embedded" | "nile";
  /** Stops the embedded engine if this process hosts it; a no-op otherwise. */
  release(): Promise<void>;
}

/** The database the apps use (DATABASE_URL, or NILEDB_URL for NileDB). */
export function resolveAppDatabase(env: DbEnv = readDbEnv()): Promise<DatabaseTarget> {
  return resolve(env.DATABASE_URL ?? env.NILEDB_URL, env);
}

/** The database migrations run against: the owner's URL, DATABASE_MIGRATION_URL, else the app's. */
export function resolveMigrationDatabase(env: DbEnv = readDbEnv()): Promise<DatabaseTarget> {
  return resolve(env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL ?? env.NILEDB_URL, env);
}

/** Whether the environment names a NileDB database: DATABASE_TARGET=nile, or NILEDB_URL alone. */
export function isNileTarget(env: DbEnv = readDbEnv()): boolean {
  if (env.DATABASE_TARGET) return env.DATABASE_TARGET === "nile";
  if (env.NILEDB_URL && env.DATABASE_URL) {
    throw new ConfigError("both DATABASE_URL and NILEDB_URL are set: set DATABASE_TARGET (postgres or nile) to say which");
  }
  return env.NILEDB_URL !== undefined;
}

async function resolve(url: string | undefined, env: DbEnv): Promise<DatabaseTarget> {
  if (isNileTarget(env)) {
    if (!url) throw new ConfigError("DATABASE_TARGET=nile needs DATABASE_URL or NILEDB_URL");
    return { url, engine: "nile", release: async () => {} };
  }
  if (url) return { url, engine: "postgres", release: async () => {} };
  const shared = await acquireSharedEmbedded(embeddedDataDir(env));
  return { url: shared.url, engine: "embedded", release: () => shared.release() };
}

/** Where the embedded database keeps its files: PGLITE_DATA_DIR, else .data/pglite. */
export function embeddedDataDir(env: DbEnv = readDbEnv()): string {
  return env.PGLITE_DATA_DIR ?? path.join(localDataDir(), "pglite");
}

/**
 * `.data` at the workspace root, where local state lives (the embedded database, the web app's
 * development secret; gitignored): found from the working directory, so it holds whether a
 * command runs from the root, from a package (turbo), or from a bundle.
 */
export function localDataDir(): string {
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, "pnpm-workspace.yaml"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(".data");
    dir = parent;
  }
  return path.join(dir, ".data");
}
