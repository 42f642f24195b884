import fs from "node:fs";
import path from "node:path";
import { readMigrationFiles, type MigrationMeta } from "drizzle-orm/migrator";

// drizzle-kit's migration folder, as drizzle-kit 0.31 writes it: `<tag>.sql` files listed in
// `meta/_journal.json`, each entry stamped `when` (ms). drizzle's migrator reads the SQL, hashes
// it (SHA-256) and stamps it with the journal's `when`; our migrator and `db:check` read the
// same, plus the journal's tags. drizzle-kit 1.0 changes this layout (see the package README).

export type { MigrationMeta };

export interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

export function readJournal(folder: string): JournalEntry[] {
  const file = path.join(folder, "meta", "_journal.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: JournalEntry[] }).entries;
}

/** Each migration's statements, SHA-256 and stamp, in journal order (drizzle's own reading). */
export function readMigrations(folder: string): MigrationMeta[] {
  return readMigrationFiles({ migrationsFolder: folder });
}

/** The journal's tags by stamp. */
export function journalTags(folder: string): Map<number, string> {
  return new Map(readJournal(folder).map((entry) => [entry.when, entry.tag]));
}
