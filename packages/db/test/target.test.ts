import { describe, expect, it } from "vitest";
import { ConfigError, readDbEnv } from "../src/env";
import { resolveAppDatabase, resolveMigrationDatabase } from "../src/target";

// Which database the environment names, and which journal and contexts go with it. Pure: no
// database is opened (none of these cases selects the embedded engine).
const pg = "postgres://app@db.example:5432/penguinmails";
const nile = "postgres://dev:secret@eu-central-1.db.thenile.dev:5432/penguinmails";
const resolve = (source: Record<string, string>) => resolveAppDatabase(readDbEnv(source));

describe("the database target", () => {
  it("DATABASE_URL alone is PostgreSQL; NILEDB_URL alone, or DATABASE_TARGET=nile, is NileDB", async () => {
    expect(await resolve({ DATABASE_URL: pg })).toMatchObject({ url: pg, engine: "postgres" });
    expect(await resolve({ NILEDB_URL: nile })).toMatchObject({ url: nile, engine: "nile" });
    expect(await resolve({ DATABASE_TARGET: "nile", DATABASE_URL: nile })).toMatchObject({ url: nile, engine: "nile" });
    expect(await resolve({ DATABASE_TARGET: "postgres", DATABASE_URL: pg, NILEDB_URL: nile })).toMatchObject({ url: pg, engine: "postgres" });
    const migrating = await resolveMigrationDatabase(readDbEnv({ NILEDB_URL: nile, DATABASE_MIGRATION_URL: pg.replace("app@", "owner@") }));
    expect(migrating).toMatchObject({ engine: "nile", url: pg.replace("app@", "owner@") });
  });

  it.each([
    ["both URLs and no DATABASE_TARGET", { DATABASE_URL: pg, NILEDB_URL: nile }, /both DATABASE_URL and NILEDB_URL are set: set DATABASE_TARGET/],
    ["DATABASE_TARGET=nile with no URL", { DATABASE_TARGET: "nile" }, /DATABASE_TARGET=nile needs DATABASE_URL or NILEDB_URL/],
    ["an unknown DATABASE_TARGET", { DATABASE_TARGET: "mysql", DATABASE_URL: pg }, /^invalid environment: DATABASE_TARGET /],
    ["a NILEDB_URL that is not a postgres URL", { NILEDB_URL: "https://thenile.dev" }, /^invalid environment: NILEDB_URL /],
  ])("refuses %s with a ConfigError naming it", async (_, source, message) => {
    const error = await Promise.resolve()
      .then(() => resolve(source))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });
});
