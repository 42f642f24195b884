import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema>;
/** A transaction handle; data functions accept either this or a Database. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

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
