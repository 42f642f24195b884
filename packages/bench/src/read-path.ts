import * as schema from "@penguinmails/db/schema";
import type { Database } from "@penguinmails/db";
import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import { rawClient, type Resources } from "./databases";
import { prepared } from "./sides/raw";
import { tenantRequest, type TenantRequest } from "./sides/data-layer";
import type { Sample } from "./world";

// What readInTenant sends for one request, captured from the driver (postgres.js `debug`)
// and replayed raw: its opening (BEGIN READ ONLY, then the setup: one prepared SELECT on
// PostgreSQL, text messages on Citus, which replays a SET LOCAL by the text carrying it),
// the request's statement, and COMMIT, all written together: one round trip. The capture is checked on a second sample, so a change in the data layer's read path
// fails here instead of being measured as something it no longer is.

export interface ReadPath {
  /** BEGIN READ ONLY and the setup's messages (the prepared set_config() SELECT with enter_tenant(), or SET LOCAL ... as text on Citus), for a sample */
  opening(s: Sample): Message[];
  statement: { text: string; params: (s: Sample) => unknown[] };
  closing: string;
}

const SAMPLE_FIELDS = ["tenantId", "ownerId", "memberId", "memberEmail"] as const;

/** One query message: text, and its parameters (none: sent as a simple query). */
export interface Message {
  text: string;
  params: unknown[];
}

export async function captureReadPath(resources: Resources, url: string, request: TenantRequest, samples: Sample[]): Promise<ReadPath> {
  let log: Message[] = [];
  const sql = rawClient(resources, url, 1, {
    debug: (_connection, text, params) => log.push({ text, params: [...(params as unknown[])] }),
  });
  const db: Database = drizzle(sql, { schema });
  // Every message but the last two opens the transaction; the statement and COMMIT close it.
  const capture = async (s: Sample) => {
    log = [];
    await tenantRequest(request, db, s);
    const opening = log.slice(0, -2);
    const [statement, closing] = log.slice(-2);
    if (!statement || !closing || !opening[0]?.text.startsWith("BEGIN READ ONLY") || closing.text !== "COMMIT") {
      throw new Error(
        `bench: readInTenant's messages for ${request} are not BEGIN READ ONLY ..., statement, COMMIT: ${JSON.stringify(log.map((l) => l.text))}`,
      );
    }
    return { opening, statement, closing };
  };
  const [s0, s1] = samples;
  if (!s0 || !s1) throw new Error("bench: need at least two samples");
  // A new client first asks for the server's array types and whether it is Citus: not part
  // of the request.
  await tenantRequest(request, db, s1);
  const first = await capture(s0);
  const path: ReadPath = {
    opening: (s) => first.opening.map((m) => ({ text: substituteText(m.text, s0, s), params: m.params.map((v) => substituteValue(v, s0, s)) })),
    statement: { text: first.statement.text, params: (s) => first.statement.params.map((v) => substituteValue(v, s0, s)) },
    closing: first.closing.text,
  };
  const second = await capture(s1);
  const same =
    JSON.stringify(second.opening) === JSON.stringify(path.opening(s1)) &&
    second.statement.text === path.statement.text &&
    JSON.stringify(second.statement.params) === JSON.stringify(path.statement.params(s1)) &&
    second.closing.text === path.closing;
  if (!same || first.closing.params.length > 0) throw new Error(`bench: readInTenant's messages for ${request} do not vary only with the sample`);
  return path;
}

/**
 * The captured messages, pipelined on a reserved connection as readInTenant sends them: each
 * opening message a simple query or, with parameters, prepared; the statement prepared;
 * COMMIT; in one write.
 */
export async function replay(sql: postgres.Sql, opening: Message[], text: string, params: unknown[]): Promise<unknown> {
  const conn = await sql.reserve();
  try {
    const sent = opening.map((m) => (m.params.length > 0 ? prepared(conn, m.text, m.params) : conn.unsafe(m.text)));
    const settled = await Promise.allSettled([...sent, prepared(conn, text, params), conn.unsafe("COMMIT")]);
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return (settled[opening.length] as PromiseFulfilledResult<unknown>).value;
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
