// Shared flat config: ESLint's and typescript-eslint's recommended rules, type-aware
// (recommendedTypeChecked: floating promises, unsafe `any` flows, awaiting non-promises...),
// plus the project rule that only a package's env module reads process.env (see STYLE: env is
// validated once per package, nowhere else).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["**/dist/**", "**/.next/**", "**/.turbo/**", "**/coverage/**", "**/next-env.d.ts"]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked with the program of the nearest tsconfig.json, the one `tsc`
        // uses for it. Every workspace runs `eslint .` from its own folder (turbo and pnpm
        // set that), so the workspace's folder is the root that tsconfig paths resolve from.
        projectService: true,
        tsconfigRootDir: process.cwd(),
      },
    },
  },
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration through the package's env module." }],
    },
  },
  {
    files: ["**/env.ts", "**/*.config.ts", "**/test/**", "**/*.test.ts"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    // Vitest types its asymmetric matchers (expect.any(String), expect.objectContaining(...),
    // expect.stringMatching(...)) as `any`, so that they fit any expected value; every expected
    // object that holds one is an "unsafe assignment". Only in tests, and only this rule: the
    // other no-unsafe-* rules still catch an `any` that is read, called or returned there.
    files: ["**/test/**", "**/e2e/**", "**/*.test.ts", "**/*.e2e.ts"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    // The plain-JavaScript files are tool configs (eslint.config.js, postcss.config.mjs) that no
    // tsconfig includes and tsc never checks: lint them without type information.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
