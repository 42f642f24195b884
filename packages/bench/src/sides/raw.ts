import type postgres from "postgres";
import type { Statement } from "../statements";
import type { Sample } from "../world";
import type { BulkBatch } from "./data-layer";

// The raw postgres.js floors the data layer is measured against.

type Conn = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

/**
 * `text` as a named prepared statement, whatever its parameters: postgres.js's unsafe()
 * sends a statement without parameters through the simple protocol (parsed and planned
 * every time) even with `prepare: true`, unless `simple: false`, an option its types omit.
 */
export function prepared(sql: Conn, text: string, params: unknown[]): postgres.PendingQuery<postgres.Row[]> {
  const options = { prepare: true, simple: false } as postgres.UnsafeQueryOptions;
  return sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], options);
}

// The reads run on the data layer's own connection (scenario 1), whose parsers drizzle set
// to hand timestamps over as text. The raw sides return what a default postgres.js client
// returns, timestamptz as Dates parsed as its parser does (`new Date(text)`), so they do the
// same work as the data layer, which returns Dates too.
const TIMESTAMPTZ = 1184;

function withDates(rows: postgres.RowList<postgres.Row[]>): postgres.RowList<postgres.Row[]> {
  const dates = rows.columns.filter((c) => c.type === TIMESTAMPTZ).map((c) => c.name);
  for (const row of dates.length > 0 ? rows : []) {
    for (const name of dates) if (row[name] !== null) row[name] = new Date(row[name] as string);
  }
  return rows;
}

/** A read as a named prepared statement: after its first use, one round trip, no planning. */
export async function preparedRead(sql: postgres.Sql, statement: Statement, s: Sample): Promise<unknown> {
  return withDates(await prepared(sql, statement.text, statement.params(s)));
}

/** The same read unnamed, as drizzle sends it: postgres.js describes it first, then runs it. */
export async function unpreparedRead(sql: postgres.Sql, statement: Statement, s: Sample): Promise<unknown> {
  return withDates(await sql.unsafe(statement.text, statement.params(s) as postgres.ParameterOrJSON<never>[]));
}

// Tagged templates are named prepared statements in postgres.js (its default `prepare`).
const tenantContext = (sql: Conn, s: Sample) =>
  sql`SELECT set_config('nile.tenant_id', ${s.tenantId}, true), set_config('nile.user_id', ${s.ownerId}, true),
        set_config('role', 'penguinmails_app', true)`;

// The same with the membership check the data layer must make on entry (issue #12).
const checkedTenantContext = (sql: Conn, s: Sample) =>
  sql`SELECT set_config('nile.tenant_id', ${s.tenantId}, true), set_config('nile.user_id', ${s.ownerId}, true),
        set_config('role', 'penguinmails_app', true), penguinmails_rls.enter_tenant()`;

/**
 * The tenant-request floor: BEGIN, the context (settings and role, one prepared statement),
 * the query (prepared) and COMMIT written together on a reserved connection, so the request
 * costs one network round trip. A failure anywhere aborts the transaction; COMMIT then rolls
 * back. `checked`: the context statement also calls enter_tenant(), as the data layer's does.
 */
export async function pipelinedTenantRequest(sql: postgres.Sql, statement: Statement, s: Sample, checked = false): Promise<unknown> {
  const conn = await sql.reserve();
  try {
    const context = checked ? checkedTenantContext(conn, s) : tenantContext(conn, s);
    const settled = await Promise.allSettled([conn`BEGIN`, context, prepared(conn, statement.text, statement.params(s)), conn`COMMIT`]);
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return (settled[2] as PromiseFulfilledResult<unknown>).value;
  } finally {
    conn.release();
  }
}

/**
 * The same work in postgres.js's own transaction helper, with the context pipelined into the
 * query: BEGIN, then context + query, then COMMIT, three round trips: the shape of a
 * callback-style context (withTenant on drizzle's transaction) with nothing wasted.
 */
export function beginTenantRequest(sql: postgres.Sql, statement: Statement, s: Sample): Promise<unknown> {
  return sql.begin((tx) => [tenantContext(tx, s), prepared(tx, statement.text, statement.params(s))]);
}

/**
 * Bulk floor under row-level security (COPY is refused for a role RLS applies to): two
 * multi-row INSERT ... SELECT FROM unnest statements, pipelined with BEGIN, the system role
 * and COMMIT in one round trip. The membership trigger fills tenant_users.email as usual.
 */
export async function multiRowLoad(sql: postgres.Sql, batch: BulkBatch): Promise<void> {
  const ids = batch.users.map((u) => u.id);
  const emails = batch.users.map((u) => u.email);
  const conn = await sql.reserve();
  try {
    const settled = await Promise.allSettled([
      conn`BEGIN`,
      conn`SELECT set_config('role', 'penguinmails_system', true)`,
      conn`INSERT INTO users (id, email) SELECT * FROM unnest(${ids}::uuid[], ${emails}::text[])`,
      conn`INSERT INTO tenant_users (tenant_id, user_id, roles)
           SELECT ${batch.tenantId}::uuid, id, ARRAY['member'] FROM unnest(${ids}::uuid[]) AS id`,
      conn`COMMIT`,
    ]);
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    conn.release();
  }
}

/** The absolute floor: COPY as the owner, which only a login that bypasses RLS may use. */
export async function copyLoad(sql: postgres.Sql, batch: BulkBatch): Promise<void> {
  await sql.begin(async (tx) => {
    await copyRows(
      await tx`COPY users (id, email) FROM STDIN`.writable(),
      batch.users.map((u) => `${u.id}\t${u.email}\n`),
    );
    await copyRows(
      await tx`COPY tenant_users (tenant_id, user_id, roles) FROM STDIN`.writable(),
      batch.users.map((u) => `${batch.tenantId}\t${u.id}\t{member}\n`),
    );
  });
}

async function copyRows(stream: NodeJS.WritableStream, lines: string[]): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  // One write of the whole batch: the driver splits it into CopyData messages.
  stream.end(lines.join(""));
  await done;
}
