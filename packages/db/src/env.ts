import { z } from "zod";

// Configuration for every workspace, one pattern: each package declares a zod schema of its
// variables and reads it through readEnv(). Values are trimmed and blank ones count as unset,
// so `DATABASE_URL=` in a shell or .env selects the embedded engine, as leaving it out does.
// Errors name each variable and what is wrong with it, never its value (some are secrets).

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * The variables of `schema` (an object of zod types, one per variable) read from `source`:
 * each trimmed, blank as unset. Throws a ConfigError "invalid environment: VAR message; ...".
 */
export function readEnv<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  source: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<Shape>> {
  const values = Object.fromEntries(Object.keys(schema.shape).map((key) => [key, source[key]?.trim() || undefined]));
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(`invalid environment: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** A postgres:// or postgresql:// URL with a host. */
const postgresUrl = z.string().refine(isPostgresUrl, { message: "must be a postgres:// or postgresql:// URL" });

// The db package's configuration.
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

export function readDbEnv(source: Record<string, string | undefined> = process.env): DbEnv {
  return readEnv(schema, source);
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}
