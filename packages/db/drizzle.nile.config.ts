import { defineConfig } from "drizzle-kit";

// The NileDB journal: the same schema, its own folder. NileDB creates users, tenants and
// tenant_users itself, so its baseline (0000) records them without creating them, and later
// migrations hold only what NileDB accepts (`pnpm db:check` lints them).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: "./migrations-nile",
  strict: true,
  verbose: true,
});
