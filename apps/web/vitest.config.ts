import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    // Each file makes and drops its own database; the embedded engine needs a moment to boot
    // and the fault tests start a PostgreSQL server. Sized for a loaded machine (load ~20).
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
