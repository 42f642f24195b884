// Shared flat config: ESLint's and typescript-eslint's recommended rules, plus the
// project rule that only a package's env module reads process.env (see STYLE: env is
// validated once per package, nowhere else).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  globalIgnores(["**/dist/**", "**/.next/**", "**/.turbo/**", "**/coverage/**", "**/next-env.d.ts"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through the package's env module." },
      ],
    },
  },
  {
    files: ["**/env.ts", "**/*.config.ts", "**/test/**", "**/*.test.ts"],
    rules: { "no-restricted-properties": "off" },
  },
);
