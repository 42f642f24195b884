import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file makes and drops its own database; the embedded engine needs a moment to boot,
    // several tests start worker processes, and the fault tests a PostgreSQL server. Sized
    // for a loaded machine (load ~20 on 2 cores), where all of that is many times slower.
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
