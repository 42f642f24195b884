// `pnpm db:migrate`: apply pending migrations to DATABASE_MIGRATION_URL, DATABASE_URL,
// or the embedded database, and say what was applied.
import { describeDatabaseError } from "../connection-error";
import { ConfigError } from "../env";
import { defaultMigrationsFolder, migrate } from "../migrate";
import { resolveMigrationDatabase } from "../target";

async function main(): Promise<number> {
  let target;
  try {
    target = await resolveMigrationDatabase();
  } catch (error) {
    console.error(`db:migrate: ${error instanceof ConfigError ? error.message : String(error)}`);
    return 1;
  }
  try {
    const { applied } = await migrate(target.url, { folder: defaultMigrationsFolder(target.engine) });
    if (applied.length === 0) console.log(`db:migrate: no pending migrations (${target.engine})`);
    else console.log(`db:migrate: applied ${applied.length} (${target.engine}): ${applied.join(", ")}`);
    return 0;
  } catch (error) {
    console.error(`db:migrate: ${describeDatabaseError(error, target.url)}`);
    return 1;
  } finally {
    await target.release();
  }
}

process.exitCode = await main();
