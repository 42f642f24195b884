// `pnpm db:generate`: drizzle-kit generate for both journals, PostgreSQL's (migrations/) and
// NileDB's (migrations-nile/), each given the same arguments (`--name=…`, `--custom`). Review
// the NileDB one: `pnpm db:check` refuses what NileDB refuses.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
for (const config of ["drizzle.config.ts", "drizzle.nile.config.ts"]) {
  const run = spawnSync("drizzle-kit", ["generate", "--config", config, ...args], { stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
