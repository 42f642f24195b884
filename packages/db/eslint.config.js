import config from "@penguinmails/eslint-config";
import { defineConfig } from "eslint/config";

// drizzle-orm's and postgres.js's internals (constructors, prepared-query fields, SQL decoders,
// the migration folder's format) are used in src/driver only, behind what it exports: an
// upgrade then breaks one folder, and test/driver-contract.test.ts says where. Types stay free.
const internals = [
  { name: "drizzle-orm/postgres-js", importNames: ["PostgresJsSession", "PostgresJsDatabase", "drizzle"] },
  { name: "drizzle-orm/pg-core", importNames: ["PgDialect"] },
  { name: "drizzle-orm", importNames: ["createTableRelationsHelpers", "extractTablesRelationalConfig", "is", "Column", "SQL", "Placeholder"] },
  { name: "drizzle-orm/sql" },
  { name: "drizzle-orm/errors" },
  { name: "drizzle-orm/migrator" },
].map((path) => ({ ...path, allowTypeImports: true, message: "drizzle's internals are src/driver's: use what it exports" }));

export default defineConfig(config, {
  files: ["src/**/*.ts"],
  ignores: ["src/driver/**"],
  rules: { "@typescript-eslint/no-restricted-imports": ["error", { paths: internals }] },
});
