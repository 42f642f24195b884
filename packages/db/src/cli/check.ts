// `pnpm db:check`: fails when committed migrations and the schema disagree.
import { checkMigrations } from "../check";

const { ok, problems } = checkMigrations();
if (ok) {
  console.log("db:check: migrations match the schema; journal is ordered");
} else {
  for (const problem of problems) console.error(`db:check: ${problem}`);
  process.exitCode = 1;
}
