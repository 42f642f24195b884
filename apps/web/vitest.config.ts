import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    // Each file makes and drops its own database; the embedded engine needs a moment to boot.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
