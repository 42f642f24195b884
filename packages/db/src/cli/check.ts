// `pnpm db:check`: fails when committed migrations disagree with the schema, with each
// other or with their pins, or when the configured database applied a migration whose
// file has changed since. A database is compared only when one is configured
// (DATABASE_MIGRATION_URL, DATABASE_URL) or the embedded one exists: never created here.
import fs from "node:fs";
import { checkMigrations } from "../check";
import { describeDatabaseError, describeTarget } from "../connection-error";
import { ConfigError, readDbEnv } from "../env";
import { changedMigrations, defaultMigrationsFolder, MigrationChangedError } from "../migrate";
import { embeddedDataDir, resolveMigrationDatabase } from "../target";

async function compareLedger(): Promise<{ compared?: string; problems: string[] }> {
  const env = readDbEnv();
  if (!(env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL) && !fs.existsSync(embeddedDataDir(env))) return { problems: [] };
  const target = await resolveMigrationDatabase(env);
  const where = target.engine === "embedded" ? "the embedded database" : describeTarget(target.url);
  try {
    // Each target's ledger against its own journal: NileDB's holds migrations-nile/'s stamps.
    const changed = await changedMigrations(target.url, { folder: defaultMigrationsFolder(target.engine) });
    return { compared: where, problems: changed.length ? [`${where}: ${new MigrationChangedError(changed).message}`] : [] };
  } catch (error) {
    return { problems: [`cannot compare with the database's ledger: ${describeDatabaseError(error, target.url)}`] };
  } finally {
    await target.release();
  }
}

async function main(): Promise<number> {
  const { problems } = checkMigrations();
  let ledger;
  try {
    ledger = await compareLedger();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    ledger = { problems: [error.message] };
  }
  problems.push(...ledger.problems);
  for (const problem of problems) console.error(`db:check: ${problem}`);
  if (problems.length > 0) return 1;
  const against = ledger.compared ? `, and ${ledger.compared} applied them as they are` : "";
  console.log(`db:check: migrations match the schema and their pins; journal is ordered${against}`);
  return 0;
}

process.exitCode = await main();
