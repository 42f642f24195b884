import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { journalTags, readJournal as readJournalAt, readMigrations, type JournalEntry, type MigrationMeta } from "./driver/journal";

// Applies pending drizzle-kit migrations under a transaction-scoped advisory lock, so any
// number of simultaneous runners apply each migration exactly once (drizzle's own
// migrator takes no lock: drizzle-orm#874). Everything, ledger included, happens in one
// transaction: a failing migration leaves schema and ledger as they were. The ledger is
// drizzle's (drizzle.__drizzle_migrations), so drizzle-kit reads the same history; it keeps
// each file's SHA-256, so a migration edited after it was applied is refused, not skipped.

// Built from the module's own path rather than `new URL("../migrations", import.meta.url)`,
// which bundlers (Next.js in apps/web) take for an asset import and fail to resolve.
/** The package's committed migrations: PostgreSQL's (also embedded and Citus), or NileDB's. */
export function defaultMigrationsFolder(engine: "postgres" | "embedded" | "nile" = "postgres"): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), engine === "nile" ? "../migrations-nile" : "../migrations");
}

export interface MigrationResult {
  /** Tags of the migrations this run applied, oldest first (empty when none were pending). */
  applied: string[];
}

export async function migrate(url: string, options: { folder?: string } = {}): Promise<MigrationResult> {
  const folder = options.folder ?? defaultMigrationsFolder();
  const migrations = readMigrations(folder);
  const tags = journalTags(folder);
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const applied = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext('penguinmails.migrate'))`;
      await tx`CREATE SCHEMA IF NOT EXISTS drizzle`;
      await tx`CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (
        id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`;
      const ledger = await tx<LedgerRow[]>`SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY created_at`;
      const changed = changedSinceApplied(ledger, migrations, tags);
      if (changed.length > 0) throw new MigrationChangedError(changed);
      const last = ledger.at(-1);
      // Same rule as drizzle's migrator: anything stamped after the newest applied one.
      const pending = migrations.filter((m) => !last || Number(last.created_at) < m.folderMillis);
      for (const migration of pending) {
        const tag = tags.get(migration.folderMillis) ?? String(migration.folderMillis);
        for (const statement of migration.sql) {
          if (!statement.trim()) continue;
          await tx.unsafe(statement).catch((error: unknown) => {
            throw new MigrationFailedError(tag, error);
          });
        }
        await tx`INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
          VALUES (${migration.hash}, ${migration.folderMillis})`;
      }
      return pending.map((m) => tags.get(m.folderMillis) ?? String(m.folderMillis));
    });
    return { applied };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Tags of migrations in the folder (by default the engine's journal) that the database has not applied yet. */
export async function pendingMigrations(url: string, options: { folder?: string; engine?: "postgres" | "embedded" | "nile" } = {}): Promise<string[]> {
  const folder = options.folder ?? defaultMigrationsFolder(options.engine);
  const tags = journalTags(folder);
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [ledger] = await sql<{ exists: boolean }[]>`
      SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists`;
    let newest = -Infinity;
    if (ledger?.exists) {
      const [row] = await sql<{ newest: string | null }[]>`
        SELECT max(created_at) AS newest FROM drizzle.__drizzle_migrations`;
      if (row?.newest) newest = Number(row.newest);
    }
    return [...tags].filter(([when]) => when > newest).map(([, tag]) => tag);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Tags of applied migrations whose file changed since (see MigrationChangedError). */
export async function changedMigrations(url: string, options: { folder?: string } = {}): Promise<string[]> {
  const folder = options.folder ?? defaultMigrationsFolder();
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [ledger] = await sql<{ exists: boolean }[]>`
      SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists`;
    if (!ledger?.exists) return [];
    const rows = await sql<LedgerRow[]>`SELECT hash, created_at FROM drizzle.__drizzle_migrations`;
    return changedSinceApplied(rows, readMigrations(folder), journalTags(folder));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export class MigrationFailedError extends Error {
  override name = "MigrationFailedError";
  /** SQLSTATE of the statement that failed, when the database gave one */
  readonly code: string | undefined;
  constructor(
    readonly tag: string,
    cause: unknown,
  ) {
    super(`migration ${tag} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
  }
}

/** A ledger row: drizzle stores the SHA-256 of the migration's file and its journal stamp. */
export interface LedgerRow {
  hash: string;
  created_at: string | number;
}

/** Tags of migrations the ledger says were applied whose file now hashes differently. */
export function changedSinceApplied(ledger: LedgerRow[], migrations: MigrationMeta[], tags: Map<number, string>): string[] {
  const applied = new Map(ledger.map((row) => [Number(row.created_at), row.hash]));
  return migrations
    .filter((m) => applied.has(m.folderMillis) && applied.get(m.folderMillis) !== m.hash)
    .map((m) => tags.get(m.folderMillis) ?? String(m.folderMillis));
}

/** An applied migration's file was edited: the database and the repository have diverged. */
export class MigrationChangedError extends Error {
  override name = "MigrationChangedError";
  constructor(readonly tags: string[]) {
    super(
      `applied migration${tags.length > 1 ? "s" : ""} ${tags.join(", ")} changed since ${tags.length > 1 ? "they were" : "it was"} applied ` +
        "(the file's SHA-256 differs from drizzle.__drizzle_migrations); restore the file and put the change in a new migration",
    );
  }
}

export type { JournalEntry } from "./driver/journal";

/** The journal of `folder` (default: PostgreSQL's), oldest first. */
export function readJournal(folder: string = defaultMigrationsFolder()): JournalEntry[] {
  return readJournalAt(folder);
}
