import { Column, is, SQL } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { PgDialect } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import { fillPlaceholders } from "drizzle-orm/sql";
import type postgres from "postgres";
import * as schema from "../schema";
import type { AnyTx } from "../client";

// Hot reads are built once, here, as drizzle selects, and run as named prepared statements
// on the caller's connection (the context's transaction). Building a drizzle query costs
// about as much as running it on a local server (measured: 80 µs to build and run
// unprepared, vs 82 µs for the raw driver alone); a prepared statement lets the server skip
// parsing and planning after the first call. Rows are mapped by a function compiled once
// per statement: drizzle's generic mapper re-inspects every field of every row (~0.7 µs a
// row, a tenth of a 51-row member page).
//
// This reads four fields of drizzle-orm's prepared query (pinned in the catalog):
// `queryString`, `params`, `prepare` and `fields`. The data-layer tests run every statement
// on both engines.

const builder = drizzle.mock({ schema });
const dialect = new PgDialect();
export type StatementBuilder = typeof builder;

interface PreparedSelect<Row> {
  execute(values?: Record<string, unknown>): Promise<Row[]>;
}

export interface Statement<Row> {
  text: string;
  params: unknown[];
  prepare: boolean;
  /** A compiled function, passed as is to rows.map(). */
  map: (row: unknown[]) => Row;
}

/** Builds `build`'s select once: a flat select (each field a column or SQL expression). */
export function statement<Row>(build: (db: StatementBuilder) => PreparedSelect<Row>): Statement<Row> {
  const prepared = build(builder) as unknown as DrizzlePrepared;
  return { text: prepared.queryString, params: prepared.params, prepare: prepared.prepare, map: compileMapper<Row>(prepared.fields ?? []) };
}

/** Runs a statement on the executor's connection. Errors are wrapped as drizzle's are. */
export async function select<Row>(statement: Statement<Row>, executor: AnyTx, values: Record<string, unknown> = {}): Promise<Row[]> {
  const params = fillPlaceholders(statement.params, values) as postgres.ParameterOrJSON<never>[];
  let rows: unknown[][];
  try {
    rows = await clientOf(executor).unsafe(statement.text, params, { prepare: statement.prepare }).values();
  } catch (error) {
    throw new DrizzleQueryError(statement.text, params, error as Error);
  }
  return rows.map(statement.map);
}

/** A multi-row INSERT: `rows` go as VALUES between `head` and `tail`, each value a parameter. */
export interface RowsInsert {
  /** `INSERT INTO table (columns)`, rendered by drizzle (parameters are refused) */
  head: SQL;
  /** each column's type, for its parameters' casts */
  types: readonly string[];
  rows: readonly (readonly unknown[])[];
  /** ON CONFLICT ..., RETURNING ... (no parameters either) */
  tail: SQL;
}

/**
 * Runs a multi-row INSERT ... VALUES on the executor's connection. Written as text: drizzle's
 * insert builder took 340–510 ms to build the statement for 10,000 rows of three columns, and
 * sql.join() 140–175 ms (both measured; see docs/benchmarks.md, scenario 6); this takes a few.
 * VALUES, not INSERT ... SELECT FROM unnest(): Citus runs the latter through COPY, which it
 * refuses under row-level security.
 */
export async function insertRows<Row>(executor: AnyTx, insert: RowsInsert): Promise<Row[]> {
  const head = renderWithoutParams(insert.head);
  const tail = renderWithoutParams(insert.tail);
  const width = insert.types.length;
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const row of insert.rows) {
    if (row.length !== width) throw new Error("insertRows(): a row's width differs from the types'");
    const at = params.length;
    tuples.push(`(${insert.types.map((type, j) => `$${at + j + 1}::${type}`).join(", ")})`);
    params.push(...row);
  }
  const text = `${head} VALUES ${tuples.join(", ")} ${tail}`;
  try {
    return (await clientOf(executor).unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as Row[];
  } catch (error) {
    throw new DrizzleQueryError(text, params, error as Error);
  }
}

function renderWithoutParams(fragment: SQL): string {
  const { sql, params } = dialect.sqlToQuery(fragment);
  if (params.length > 0) throw new Error("insertRows(): head and tail take no parameters");
  return sql;
}

interface DrizzlePrepared {
  queryString: string;
  params: unknown[];
  prepare: boolean;
  fields?: { path: string[]; field: unknown }[];
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

function clientOf(executor: AnyTx): postgres.Sql {
  return (executor as unknown as { session: { client: postgres.Sql } }).session.client;
}

function compileMapper<Row>(fields: { path: string[]; field: unknown }[]): (row: unknown[]) => Row {
  if (fields.length === 0 || fields.some((f) => f.path.length !== 1)) throw new Error("statement(): not a flat select");
  const keys = fields.map((f) => f.path[0]!);
  const decoders = fields.map(({ field }): Decoder => {
    if (is(field, Column)) return field;
    // An SQL field's decoder is internal to drizzle (what its own mapper reads).
    if (is(field, SQL)) return (field as unknown as { decoder: Decoder }).decoder;
    if (is(field, SQL.Aliased)) return (field.sql as unknown as { decoder: Decoder }).decoder;
    throw new Error("statement(): a field without a decoder");
  });
  return (row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = row[i];
      out[keys[i]!] = value === null ? null : decoders[i]!.mapFromDriverValue(value);
    }
    return out as Row;
  };
}
