import { defineConfig } from "vitest/config";

// The browser test (`pnpm test:e2e`): the built app under `next start`, driven by Debian's
// Chromium through playwright-core. e2e/global-setup.ts starts and stops the app and its database.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    globalSetup: ["e2e/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
