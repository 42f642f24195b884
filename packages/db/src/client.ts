import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { drizzleOnPool } from "./driver/pool";
import { ConfigError } from "./env";
import type * as schema from "./schema";

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema> & { $client: postgres.Sql };
/**
 * What work gets inside a context (withTenant, withUser, withSystem): the same query
 * builders as Database, drizzle's relational `query` API included (built on first use), on
 * the context's one connection and transaction, under its isolation. It must not open nested
 * transactions. Contexts hand it out typed by their scope (TenantTx, UserTx, SystemTx, below).
 */
export type Transaction = PostgresJsDatabase<Schema>;

declare const scopeKind: unique symbol;
/**
 * A context's transaction, typed by its scope: what withTenant / readInTenant (`TenantTx`),
 * withUser / readAsUser (`UserTx`) and withSystem (`SystemTx`) hand their work. Data functions
 * declare the scopes they run in, so calling one outside a context, or a tenant's function in
 * a user context, does not compile. Contexts are never nested: no `transaction()`.
 */
export type ScopedTx<Kind extends "tenant" | "user" | "system"> = Omit<Transaction, "transaction"> & { readonly [scopeKind]: Kind };
export type TenantTx = ScopedTx<"tenant">;
export type UserTx = ScopedTx<"user">;
export type SystemTx = ScopedTx<"system">;
export type AnyTx = TenantTx | UserTx | SystemTx;

export interface DatabaseClient {
  db: Database;
  /** The underlying postgres.js pool, for the few callers that need the driver itself. */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Pool size (default 10). */
  max?: number;
  applicationName?: string;
  /**
   * Bound on each context (withTenant, readInTenant, …), in ms: waiting for a connection,
   * its statements and COMMIT. Past it the context fails with DataError `unavailable` and
   * its connection is closed, never returned to the pool mid-transaction. Default: none.
   */
  contextTimeoutMs?: number;
  /**
   * Close a connection idle this long (default 60 s; 0: never), so few stale sockets survive
   * a network change. 0 for a connection that carries session state, such as an advisory lock.
   */
  idleTimeoutSeconds?: number;
  /**
   * "nile": the database is NileDB's (connect() sets it from DATABASE_TARGET / NILEDB_URL).
   * Contexts then enter as NileDB expects, and `db` refuses any statement outside a context:
   * NileDB shows every tenant to a connection without one.
   */
  target?: "nile";
}

// A connection attempt gives up after this long (postgres.js waits 30 s by default).
const CONNECT_TIMEOUT_SECONDS = 10;
const IDLE_TIMEOUT_SECONDS = 60;

const contextTimeouts = new WeakMap<postgres.Sql, number>();

/** The client's bound on a context, if it has one (see ClientOptions.contextTimeoutMs). */
export function contextTimeoutOf(sql: postgres.Sql): number | undefined {
  return contextTimeouts.get(sql);
}

export function createClient(url: string, options: ClientOptions = {}): DatabaseClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    idle_timeout: options.idleTimeoutSeconds ?? IDLE_TIMEOUT_SECONDS,
    // UTC: NileDB's built-in timestamps are zoneless, written by LOCALTIMESTAMP in the
    // session's zone and read as UTC (schema/columns.ts); harmless where they carry a zone.
    connection: { application_name: options.applicationName ?? "penguinmails", TimeZone: "UTC" },
  });
  if (options.contextTimeoutMs !== undefined) contextTimeouts.set(sql, options.contextTimeoutMs);
  if (options.target !== "nile") return { db: drizzleOnPool(sql), sql, close: () => sql.end({ timeout: 5 }) };

  // NileDB shows every tenant to a connection without a context: outside one, refuse.
  const db = drizzleOnPool(sql, () => {
    throw new ConfigError(
      "on NileDB every statement runs in a context (withTenant, withUser, withSystem, ...): it shows every tenant to a connection without one",
    );
  });
  // Steps NileDB will not take in a context's transaction run in transactions of their own
  // while that one stays open: on a pool of their own, opened when first needed, so that
  // contexts holding every connection of the app's pool never wait for one of them (those
  // steps open nothing further).
  let steps: DatabaseClient | undefined;
  nileClients.set(sql, () => (steps ??= createClient(url, { ...options, max: Math.max(2, Math.ceil((options.max ?? 10) / 2)) })).db);
  return {
    db,
    sql,
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), steps?.close()]);
    },
  };
}

// NileDB pools, each with the pool for its contexts' own-transaction steps.
const nileClients = new WeakMap<postgres.Sql, () => Database>();

/** Whether the pool is a NileDB database's (ClientOptions.target). */
export function isNileClient(sql: postgres.Sql): boolean {
  return nileClients.has(sql);
}

/** On NileDB, the pool where a context's own-transaction steps run (see createClient). */
export function stepsPoolOf(sql: postgres.Sql): Database | undefined {
  return nileClients.get(sql)?.();
}
