// The db package's `dev` task: brings the database up to date and, with no DATABASE_URL,
// hosts the embedded engine for the apps (web, worker) until stopped.
import { describeDatabaseError } from "../connection-error";
import { defaultMigrationsFolder, migrate } from "../migrate";
import { resolveMigrationDatabase } from "../target";

const target = await resolveMigrationDatabase();
try {
  const { applied } = await migrate(target.url, { folder: defaultMigrationsFolder(target.engine) });
  console.log(`db: ${target.engine} database ready, ${applied.length ? `applied ${applied.join(", ")}` : "migrations up to date"}`);
} catch (error) {
  console.error(`db: ${describeDatabaseError(error, target.url)}`);
  await target.release();
  process.exit(1);
}

const stop = async () => {
  await target.release();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
setInterval(() => {}, 1 << 30); // stay up beside the apps
