import config from "@penguinmails/eslint-config";
import nextPlugin from "@next/eslint-plugin-next";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig } from "eslint/config";

// The shared config, plus Next.js's and React's own rules for the app's components. The
// browser test's harness sets up the app's environment, as the unit tests' support does.
// Tests are no components: vitest's suite helpers (useTestDatabase) are not React hooks.
export default defineConfig(
  config,
  reactHooks.configs.flat.recommended,
  nextPlugin.configs["core-web-vitals"],
  {
    files: ["e2e/**"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    files: ["test/**", "e2e/**"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
);
