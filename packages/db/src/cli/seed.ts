// `pnpm db:seed`: loads the demo world (idempotent) through the system path, as the
// migration (owner) URL, which is a member of penguinmails_system.
import { createClient } from "../client";
import { describeDatabaseError } from "../connection-error";
import { seed } from "../seed";
import { resolveMigrationDatabase } from "../target";

const target = await resolveMigrationDatabase();
const client = createClient(target.url, { max: 1, ...(target.engine === "nile" ? { target: "nile" as const } : {}) });
try {
  const { inserted } = await seed(client.db);
  console.log(`db:seed: inserted ${inserted.users} users, ${inserted.tenants} tenants, ${inserted.memberships} memberships (${target.engine})`);
} catch (error) {
  console.error(`db:seed: ${describeDatabaseError(error, target.url)}`);
  process.exitCode = 1;
} finally {
  await client.close();
  await target.release();
}
