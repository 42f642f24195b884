import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The NileDB probes run on NileDB only: vitest.nile.config.ts (emulated), vitest.nile-real.config.ts.
    exclude: [...configDefaults.exclude, "test/nile-probes.test.ts"],
    // Each file makes and drops its own database and some start processes; sized for a
    // 2-core machine under load ~20, where an idle second becomes ten or more.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
