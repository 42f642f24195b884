import { DrizzleQueryError } from "drizzle-orm/errors";
import { drizzle } from "drizzle-orm/postgres-js";
import { fillPlaceholders } from "drizzle-orm/sql";
import * as schema from "../schema";
import type { Executor } from "./actor";

// Hot reads are built and prepared once, here, and run on the caller's connection (the
// context's transaction). Building a drizzle query costs about as much as running it on
// a local server (measured: 80 µs to build and run unprepared, vs 82 µs for the raw driver
// alone), and a prepared statement lets postgres.js skip parsing after the first call.
//
// This leans on one detail of drizzle-orm's postgres-js driver (pinned in the catalog):
// a prepared query reads `this.client` when it executes, so a copy with the transaction's
// client runs there. The data-layer tests exercise every statement on both engines.

const builder = drizzle.mock({ schema });
export type StatementBuilder = typeof builder;

interface Executable {
  execute(values?: Record<string, unknown>): Promise<unknown>;
}

/** Prepares `build`'s query once; the result runs it on any executor's connection. */
export function statement<P extends Executable>(build: (db: StatementBuilder) => P): (executor: Executor) => P {
  const prepared = build(builder);
  return (executor) => Object.create(prepared, { client: { value: clientOf(executor) } }) as P;
}

function clientOf(executor: Executor): unknown {
  return (executor as unknown as { session: { client: unknown } }).session.client;
}

interface PreparedSelect {
  queryString: string;
  params: unknown[];
  client: { unsafe(text: string, params: unknown[], options: { prepare: boolean }): { values(): Promise<unknown[][]> } };
}

/**
 * Runs a statement's prepared select and returns its rows as arrays, in the select's column
 * order, without drizzle's generic row mapping. For pages of many rows: mapping 51 member
 * rows through drizzle cost ~35 µs, a tenth of the whole read. Errors are wrapped as
 * drizzle's are (DrizzleQueryError with the driver's error as cause).
 */
export async function selectRows(query: Executable, values: Record<string, unknown>): Promise<unknown[][]> {
  const { queryString, params, client } = query as unknown as PreparedSelect;
  const filled = fillPlaceholders(params, values);
  try {
    return await client.unsafe(queryString, filled, { prepare: true }).values();
  } catch (error) {
    throw new DrizzleQueryError(queryString, filled, error as Error);
  }
}
