import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file makes and drops its own database; the embedded engine needs a moment to boot,
    // and several tests start worker processes.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
