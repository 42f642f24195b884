import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema> & { $client: postgres.Sql };
/**
 * What work gets inside a context (withTenant, withUser, withSystem): the same query
 * builders as Database, on the context's one connection and transaction. It has no
 * relational `query` API (building one costs 20 µs a request) and must not open nested
 * transactions. Data functions accept either this or a Database.
 */
export type Transaction = PostgresJsDatabase;

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
}

export function createClient(url: string, options: ClientOptions = {}): DatabaseClient {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "penguinmails" },
  });
  return {
    db: drizzle(sql, { schema }),
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}
