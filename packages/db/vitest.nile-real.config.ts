import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config";

// `test:nile` (src/cli/test-nile.ts): the probes against the real NileDB database at NILEDB_URL.
// Only files that can share one database, which they do not create or drop, and whose rows
// they delete again. The data-layer files and nile-migrate.test.ts make databases of their own.
export default defineConfig({
  test: {
    ...base.test,
    exclude: configDefaults.exclude,
    include: ["test/nile-probes.test.ts"],
  },
});
