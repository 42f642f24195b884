import { z } from "zod";

// The db package's configuration, validated once. Empty strings count as unset, so
// `DATABASE_URL=` in a shell or .env selects the embedded engine, as leaving it out does.

const postgresUrl = z.string().refine(isPostgresUrl, { message: "must be a postgres:// or postgresql:// URL" });

const schema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_MIGRATION_URL: postgresUrl.optional(),
  /** `nile`: the database at DATABASE_URL (or NILEDB_URL) is a NileDB one */
  DATABASE_TARGET: z.enum(["postgres", "nile"]).optional(),
  /** a NileDB database (the name NileDB's and Drizzle's guides use); alone, it selects NileDB */
  NILEDB_URL: postgresUrl.optional(),
  PGLITE_DATA_DIR: z.string().optional(),
});

export type DbEnv = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function readDbEnv(source: NodeJS.ProcessEnv = process.env): DbEnv {
  const values = Object.fromEntries(Object.keys(schema.shape).map((key) => [key, source[key] === "" ? undefined : source[key]]));
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(`invalid environment: ${problems.join("; ")}`);
  }
  return parsed.data;
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}
