// Test support for every workspace (suite hooks for vitest: ./vitest.ts, the entry
// @penguinmails/db/testing/vitest): each call makes a database of its own, migrated
// (unless asked not to), on the server at DATABASE_URL or, with none set, on a fresh
// in-memory embedded engine. Files and runs can therefore go in parallel. When the server
// is a Citus coordinator, the database is a Citus database spanning the whole cluster.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { createClient, type ClientOptions, type Database, type DatabaseClient, type TenantTx, type UserTx } from "../client";
import { bindScope } from "../scope";
import { startEmbeddedEngine } from "../embedded/engine";
import { readDbEnv } from "../env";
import { defaultMigrationsFolder, migrate } from "../migrate";
import { isNileTarget } from "../target";
import { createNileShapedDatabase } from "./nile";
import { createCitusDatabase, dropCitusDatabase, findCitusCluster } from "./citus";

export interface TestDatabase {
  /** URL of the new database, as its owner */
  url: string;
  /**
   * "citus": a Citus coordinator, the database created on every node of its cluster;
   * "nile": a NileDB-shaped database (DATABASE_TARGET=nile; see nile.ts), as its developer login
   */
  engine: "postgres" | "citus" | "embedded" | "nile";
  /** Drops the database everywhere (or stops the engine). */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** apply the migrations (default true) */
  migrate?: boolean;
  /** "embedded" forces a fresh embedded engine even when DATABASE_URL is set */
  engine?: "embedded";
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (isNileTarget()) return createNileTestDatabase(options);
  const serverUrl = options.engine === "embedded" ? undefined : readDbEnv().DATABASE_URL;
  const prepare = async (url: string) => {
    if (options.migrate ?? true) await migrate(url);
  };
  if (serverUrl) return createServerDatabase(serverUrl, prepare);
  const database = await createEmbeddedDatabase();
  await prepare(database.url).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return database;
}

async function createServerDatabase(serverUrl: string, prepare: (url: string) => Promise<void>): Promise<TestDatabase> {
  const name = `pm_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return asAdmin(serverUrl, async (admin) => {
    const cluster = await findCitusCluster(admin);
    const database: TestDatabase = {
      url: url.toString(),
      engine: cluster ? "citus" : "postgres",
      drop: () =>
        asAdmin(serverUrl, async (sql) => {
          if (cluster) await dropCitusDatabase(sql, cluster, name);
          else await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        }),
    };
    try {
      if (cluster) {
        await createCitusDatabase(admin, cluster, name, database.url, prepare);
      } else {
        await admin.unsafe(`CREATE DATABASE ${name}`);
        await prepare(database.url);
      }
    } catch (error) {
      await database.drop();
      throw error;
    }
    return database;
  });
}

/** One connection to the server's maintenance database, closed after `work`. */
async function asAdmin<T>(serverUrl: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

// NileDB's built-in tables and rules, emulated on the server at DATABASE_URL (or a fresh
// embedded engine), then NileDB's migration journal applied as its developer login.
async function createNileTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const database = await createNileShapedDatabase(options.engine ? { engine: options.engine } : {});
  try {
    if (options.migrate ?? true) await migrate(database.url, { folder: defaultMigrationsFolder("nile") });
  } catch (error) {
    await database.drop();
    throw error;
  }
  return { url: database.url, engine: "nile", drop: () => database.drop() };
}

async function createEmbeddedDatabase(): Promise<TestDatabase> {
  const engine = await startEmbeddedEngine();
  return { url: engine.url, engine: "embedded", drop: () => engine.stop() };
}

export interface TestClient {
  database: TestDatabase;
  /** the database's owner, through the same client the apps use */
  client: DatabaseClient;
  /** closes the client, then drops the database */
  close(): Promise<void>;
}

/** A client on a test database, as the apps would open it (on a NileDB-shaped one, as NileDB's). */
export function connectTo(database: TestDatabase, options: ClientOptions = {}): DatabaseClient {
  return createClient(database.url, { ...options, ...(database.engine === "nile" ? { target: "nile" as const } : {}) });
}

/** A fresh database (see createTestDatabase) and an owner client on it, for a suite's setup. */
export async function openTestClient(options: TestDatabaseOptions & { max?: number } = {}): Promise<TestClient> {
  const database = await createTestDatabase(options);
  const client = connectTo(database, { max: options.max ?? 4 });
  return {
    database,
    client,
    async close() {
      await client.close();
      await database.drop();
    },
  };
}

export { startThrowawayServer, type ThrowawayServer } from "./throwaway-server";
export { closedPort, freePort } from "./ports";
export { sqlstate } from "./sqlstate";

/**
 * For benchmarks and tests that set a context on a session themselves (SET nile.tenant_id,
 * SET ROLE, ...) and call data functions with `db` outside any context: those functions then
 * bind these ids, as a context's transaction would. Production code enters contexts instead.
 */
export function assumeSessionScope(db: Database, scope: { tenantId: string | null; userId: string | null }): { tenant: TenantTx; user: UserTx } {
  bindScope(db, { ...scope });
  // The same handle, typed as the scope the session was given (data functions take scoped
  // transactions): the caller vouches for the session's context.
  return { tenant: db as unknown as TenantTx, user: db as unknown as UserTx };
}
