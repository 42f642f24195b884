// `pnpm --filter @penguinmails/db test:nile`: the NileDB pass against a real NileDB database
// (NILEDB_URL). It fails, loudly, when there is none: a pass that ran nothing is not a pass.
// Against a real one it fails too, for now: NileDB cannot CREATE DATABASE over SQL, and the
// test support makes a database per file; one shared database with per-file rows and their
// cleanup is not written yet (issue #13). `test:nile-shaped` runs the same bodies on a
// NileDB-shaped database here.
import { readDbEnv } from "../env";

if (!readDbEnv().NILEDB_URL) {
  console.error("test:nile: NILEDB_URL is not set: this pass runs against a real NileDB database (or NileDB's testing container)");
} else {
  console.error("test:nile: running against a real NileDB database is not implemented yet (issue #13); see `test:nile-shaped`");
}
process.exitCode = 1;
