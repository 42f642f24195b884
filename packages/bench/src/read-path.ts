import * as schema from "@penguinmails/db/schema";
import type { Database } from "@penguinmails/db";
import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import { rawClient, type Resources } from "./databases";
import { prepared } from "./sides/raw";
import { tenantRequest, type TenantRequest } from "./sides/data-layer";
import type { Sample } from "./world";

// What readInTenant sends for one request, captured from the driver (postgres.js `debug`)
// and replayed raw: its opening (BEGIN READ ONLY and the context, one simple-protocol
// message), the request's statement, and COMMIT, written together: one round trip. The
// capture is checked on a second sample, so a change in the data layer's read path fails
// here instead of being measured as something it no longer is.

export interface ReadPath {
  /** BEGIN READ ONLY; SET LOCAL ...; SELECT penguinmails_rls.enter_tenant(), for a sample */
  opening(s: Sample): string;
  statement: { text: string; params(s: Sample): unknown[] };
  closing: string;
}

const SAMPLE_FIELDS = ["tenantId", "ownerId", "memberId", "memberEmail"] as const;

export async function captureReadPath(resources: Resources, url: string, request: TenantRequest, samples: Sample[]): Promise<ReadPath> {
  let log: { text: string; params: unknown[] }[] = [];
  const sql = rawClient(resources, url, 1, {
    debug: (_connection, text, params) => log.push({ text, params: [...(params as unknown[])] }),
  });
  const db: Database = drizzle(sql, { schema });
  const capture = async (s: Sample) => {
    log = [];
    await tenantRequest(request, db, s);
    if (log.length !== 3) {
      throw new Error(`bench: readInTenant sent ${log.length} messages for ${request}, not opening, statement, COMMIT: ${JSON.stringify(log.map((l) => l.text))}`);
    }
    return log as [(typeof log)[0], (typeof log)[0], (typeof log)[0]];
  };
  const [s0, s1] = samples;
  if (!s0 || !s1) throw new Error("bench: need at least two samples");
  // A new connection first asks for the server's array types: not part of the request.
  await tenantRequest(request, db, s1);
  const [open0, statement0, close0] = await capture(s0);
  const path: ReadPath = {
    opening: (s) => substituteText(open0.text, s0, s),
    statement: { text: statement0.text, params: (s) => statement0.params.map((v) => substituteValue(v, s0, s)) },
    closing: close0.text,
  };
  const [open1, statement1, close1] = await capture(s1);
  const same =
    open1.text === path.opening(s1) &&
    statement1.text === path.statement.text &&
    JSON.stringify(statement1.params) === JSON.stringify(path.statement.params(s1)) &&
    close1.text === path.closing;
  if (!same || open0.params.length > 0) throw new Error(`bench: readInTenant's messages for ${request} do not vary only with the sample`);
  return path;
}

/** The captured messages, pipelined on a reserved connection (the statement prepared). */
export async function replay(sql: postgres.Sql, opening: string, text: string, params: unknown[]): Promise<unknown> {
  const conn = await sql.reserve();
  try {
    const settled = await Promise.allSettled([conn.unsafe(opening), prepared(conn, text, params), conn.unsafe("COMMIT")]);
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return (settled[1] as PromiseFulfilledResult<unknown>).value;
  } finally {
    conn.release();
  }
}

function substituteText(text: string, from: Sample, to: Sample): string {
  return SAMPLE_FIELDS.reduce((t, f) => t.replaceAll(from[f], to[f]), text);
}

function substituteValue(value: unknown, from: Sample, to: Sample): unknown {
  const field = SAMPLE_FIELDS.find((f) => from[f] === value);
  return field ? to[field] : value;
}
