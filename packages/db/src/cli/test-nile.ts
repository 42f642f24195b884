// `pnpm --filter @penguinmails/db test:nile`: the NileDB probes (test/nile-probes.test.ts)
// against the real NileDB database at NILEDB_URL (or NileDB's testing container). It fails,
// loudly, when there is none: a pass that ran nothing is not a pass. The probes migrate that
// one shared database with the nile journal (idempotent) and delete the rows they write.
// The data-layer bodies do not run here yet: each makes a database of its own, which NileDB
// cannot do over SQL (`test:nile-shaped` runs them on a NileDB-shaped database).
import { spawnSync } from "node:child_process";
import { readDbEnv } from "../env";

const env = readDbEnv();
const refuse = (why: string) => {
  console.error(`test:nile: ${why}`);
  process.exit(1);
};
if (!env.NILEDB_URL) refuse("NILEDB_URL is not set: this pass runs against a real NileDB database (or NileDB's testing container)");
// The probes take NILEDB_URL alone as the database (DATABASE_URL would select another one).
if (env.DATABASE_URL) refuse("DATABASE_URL is set as well: unset it, this pass runs against NILEDB_URL only");
if (env.DATABASE_TARGET === "postgres") refuse("DATABASE_TARGET=postgres contradicts NILEDB_URL: unset it");

const run = spawnSync("vitest", ["run", "--config", "vitest.nile-real.config.ts", ...process.argv.slice(2)], { stdio: "inherit" });
if (run.error) refuse(`could not start vitest: ${run.error.message}`);
process.exit(run.status ?? 1);
