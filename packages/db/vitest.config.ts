import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file makes and drops its own database and some start processes; sized for a
    // 2-core machine under load ~20, where an idle second becomes ten or more.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
