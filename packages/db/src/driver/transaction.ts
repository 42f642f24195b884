import { createTableRelationsHelpers, extractTablesRelationalConfig, type ExtractTablesWithRelations, type RelationalSchemaConfig } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { PostgresJsDatabase, PostgresJsSession } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import type { AnyTx, Schema } from "../client";
import * as schema from "../schema";
import { bindScope, type Scope } from "../scope";

// A query builder bound to one reserved connection, as drizzle's own would be: drizzle() itself
// cannot take a reserved connection (it reconfigures the client's type parsers, which a
// reserved connection shares with its pool, already configured by createClient). Drizzle's
// relational API (`tx.query`) is built on first use, on the same connection: building it costs
// ~20 µs, a tenth of a member page, and most requests never touch it.
const dialect = new PgDialect();
const tablesConfig = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
const relational = { fullSchema: schema, schema: tablesConfig.tables, tableNamesMap: tablesConfig.tableNamesMap } as unknown as RelationalSchemaConfig<
  ExtractTablesWithRelations<Schema>
>;

/** A context's transaction on `connection` (or a stand-in for it), bound to its scope. */
export function transactionOn<Tx extends AnyTx>(connection: postgres.ReservedSql, scope: Scope): Tx {
  const tx = new PostgresJsDatabase(dialect, new PostgresJsSession(connection, dialect, undefined), undefined) as unknown as Tx;
  let query: Tx["query"] | undefined;
  Object.defineProperty(tx, "query", {
    get: () => (query ??= new PostgresJsDatabase<Schema>(dialect, new PostgresJsSession(connection, dialect, relational), relational).query),
  });
  bindScope(tx, scope);
  return tx;
}
