import { Column, is, Param, Placeholder, SQL } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { PgDialect } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import * as schema from "../schema";
import type { AnyTx } from "../client";

// Hot reads are built once, here, as drizzle selects, and run as named prepared statements
// on the caller's connection (the context's transaction). Building a drizzle query costs
// about as much as running it on a local server (measured: 80 µs to build and run
// unprepared, vs 82 µs for the raw driver alone); a prepared statement lets the server skip
// parsing and planning after the first call. Rows are mapped by a function generated once
// per statement: drizzle's generic mapper re-inspects every field of every row (~0.7 µs a
// row, a tenth of a 51-row member page), and one closure shared by every statement writes
// each statement's keys through the same property store, which V8 then treats as
// megamorphic (the client's CPU is what bounds throughput: docs/benchmarks.md, scenario 5).
// The parameters' kinds (placeholder, encoded placeholder, value) are also worked out once.
//
// This reads four fields of drizzle-orm's prepared query (pinned in the catalog):
// `queryString`, `params`, `prepare` and `fields`, and the placeholders in `params` as
// fillPlaceholders() does; driver-contract.test.ts pins each. The data-layer tests run every
// statement on every engine.

const builder = drizzle.mock({ schema });
const dialect = new PgDialect();
export type StatementBuilder = typeof builder;

interface PreparedSelect<Row> {
  execute(values?: Record<string, unknown>): Promise<Row[]>;
}

export interface Statement<Row> {
  text: string;
  /** the statement's parameters for these placeholder values, as drizzle's fillPlaceholders() gives them */
  params: (values: Record<string, unknown>) => unknown[];
  prepare: boolean;
  /** A compiled function, passed as is to rows.map(). */
  map: (row: unknown[]) => Row;
}

/** Builds `build`'s select once: a flat select (each field a column or SQL expression). */
export function statement<Row>(build: (db: StatementBuilder) => PreparedSelect<Row>): Statement<Row> {
  const prepared = build(builder) as unknown as DrizzlePrepared;
  return { text: prepared.queryString, params: compileParams(prepared.params), prepare: prepared.prepare, map: compileMapper<Row>(prepared.fields ?? []) };
}

/** Runs a statement on the executor's connection. Errors are wrapped as drizzle's are. */
export async function select<Row>(statement: Statement<Row>, executor: AnyTx, values: Record<string, unknown> = {}): Promise<Row[]> {
  const params = statement.params(values) as postgres.ParameterOrJSON<never>[];
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

/** drizzle's fillPlaceholders() for these parameters, each one's kind decided here, once. */
function compileParams(params: unknown[]): (values: Record<string, unknown>) => unknown[] {
  const fills = params.map((param): ((values: Record<string, unknown>) => unknown) => {
    if (is(param, Placeholder)) return (values) => valueOf(values, param.name);
    if (is(param, Param) && is(param.value, Placeholder)) {
      const { encoder } = param;
      const name = param.value.name;
      return (values) => encoder.mapToDriverValue(valueOf(values, name));
    }
    return () => param;
  });
  return (values) => fills.map((fill) => fill(values));
}

function valueOf(values: Record<string, unknown>, name: string): unknown {
  if (!(name in values)) throw new Error(`No value for placeholder "${name}" was provided`);
  return values[name];
}

function compileMapper<Row>(fields: { path: string[]; field: unknown }[]): (row: unknown[]) => Row {
  if (fields.length === 0 || fields.some((f) => f.path.length !== 1)) throw new Error("statement(): not a flat select");
  const keys = fields.map((f) => f.path[0]!);
  const decoders = fields.map(({ field }): Decoder | undefined => {
    // A column that keeps drizzle's own mapFromDriverValue (text, uuid...) returns the value as is.
    if (is(field, Column)) return field.mapFromDriverValue === Column.prototype.mapFromDriverValue ? undefined : field;
    // An SQL field's decoder is internal to drizzle (what its own mapper reads).
    if (is(field, SQL)) return (field as unknown as { decoder: Decoder }).decoder;
    if (is(field, SQL.Aliased)) return (field.sql as unknown as { decoder: Decoder }).decoder;
    throw new Error("statement(): a field without a decoder");
  });
  // The keys are the select's own field names (this package's code), written as JSON strings.
  const entries = keys.map(
    (key, i) => `${JSON.stringify(key)}: ${decoders[i] ? `row[${i}] === null ? null : decoders[${i}].mapFromDriverValue(row[${i}])` : `row[${i}]`}`,
  );
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the field names above, once per statement
  const generate = new Function("decoders", `return (row) => ({ ${entries.join(", ")} });`) as (decoders: (Decoder | undefined)[]) => (row: unknown[]) => Row;
  return generate(decoders);
}
