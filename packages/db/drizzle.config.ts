import { defineConfig } from "drizzle-kit";

// `generate` and `check` need no database. `pnpm db:studio` (src/cli/studio.ts) resolves
// DATABASE_MIGRATION_URL, DATABASE_URL or the embedded engine and passes it here.
const studioUrl = process.env.DRIZZLE_STUDIO_URL;

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: "./migrations",
  strict: true,
  verbose: true,
  ...(studioUrl ? { dbCredentials: { url: studioUrl } } : {}),
});
