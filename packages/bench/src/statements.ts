import { isDeepStrictEqual } from "node:util";
import type { Database } from "@penguinmails/db";
import * as schema from "@penguinmails/db/schema";
import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import { rawClient, type Resources } from "./databases";
import { HOT_READS, hotRead, sessionScope, type HotRead } from "./sides/data-layer";
import type { Sample } from "./world";

// The raw side of a read runs exactly the SQL the data layer sends: it is captured from the
// driver (postgres.js `debug`, which sees every query, through drizzle or not), once, and
// replayed as a prepared statement with each sample's values put in place of the first's.
// Those values include the context's tenant and user, which the data layer binds as
// parameters (hotRead hands it the session's scope).

export interface Statement {
  text: string;
  params(s: Sample): unknown[];
}

const SAMPLE_FIELDS = ["tenantId", "ownerId", "memberId", "memberEmail"] as const;

/** The statement behind each hot read, checked on a second sample. */
export async function captureHotReads(resources: Resources, url: string, samples: Sample[]): Promise<Map<HotRead, Statement>> {
  let log: { text: string; params: unknown[] }[] = [];
  const sql = rawClient(resources, url, 1, {
    debug: (_connection, text, params) => log.push({ text, params: [...(params as unknown[])] }),
  });
  const db: Database = drizzle(sql, { schema });
  const capture = async (read: HotRead, s: Sample) => {
    await setSession(sql, s);
    log = [];
    await hotRead(read, db, s);
    const [first] = log;
    if (!first) throw new Error(`bench: ${read} sent no statement`);
    return first;
  };

  const [s0, s1] = samples;
  if (!s0 || !s1) throw new Error("bench: need at least two samples");
  const statements = new Map<HotRead, Statement>();
  for (const read of HOT_READS) {
    const first = await capture(read, s0);
    const statement: Statement = { text: first.text, params: (s) => substitute(first.params, s0, s) };
    const second = await capture(read, s1);
    if (second.text !== first.text || !isDeepStrictEqual(statement.params(s1), second.params)) {
      throw new Error(`bench: ${read} does not send one statement with the sample's values as parameters`);
    }
    statements.set(read, statement);
  }
  await resetSession(sql);
  return statements;
}

/**
 * The session state scenarios 1, 4 and 7 read under: penguinmails_system (whose policies
 * pass every row, so any owner login that migrated the database can read) and the sample's
 * context, set at session level so the timed read needs no transaction.
 */
export function setSession(sql: postgres.Sql | postgres.TransactionSql, s: Sample): Promise<unknown> {
  const { tenantId, userId } = sessionScope(s);
  return sql`SELECT set_config('role', 'penguinmails_system', false),
    set_config('nile.tenant_id', ${tenantId}, false), set_config('nile.user_id', ${userId}, false)`;
}

/** Back to the login role and no context (on the embedded engine every connection shares one session). */
export function resetSession(sql: postgres.Sql): Promise<unknown> {
  return sql.unsafe("RESET ROLE; RESET nile.tenant_id; RESET nile.user_id");
}

function substitute(params: unknown[], from: Sample, to: Sample): unknown[] {
  return params.map((value) => {
    const field = SAMPLE_FIELDS.find((f) => from[f] === value);
    return field ? to[field] : value;
  });
}
