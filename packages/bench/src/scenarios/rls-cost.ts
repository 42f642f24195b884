import type postgres from "postgres";
import { rawClient, Resources } from "../databases";
import { compareLatency } from "../measure";
import { explain, sameShape } from "../plans";
import { figures, row, skipped, type ScenarioResult } from "../report";
import { prepared } from "../sides/raw";
import type { Statement } from "../statements";
import { samplesOf, type Sample } from "../world";
import type { BenchRun } from "./context";

// Scenario 3: what row-level security costs the database. The member page, exactly as
// listMembers sends it (captured from the driver), run as penguinmails_app under the
// policies, against the same statement as the owner, who bypasses them, with the context's
// tenant replaced by an explicit tenant_id parameter. Both sides are the same pipelined
// transaction (BEGIN, settings, query, COMMIT; one round trip, prepared) so the difference is
// the policies: their InitPlans and any change of plan they cause. Two more sides split it:
// the owner running the app's very SQL (tenant read from the context: the same statement
// without RLS), and the app leaving the tenant filter to the policies.
// Each side has a connection of its own: a prepared statement's plan under RLS belongs to the
// role it was planned for, and sharing one between roles would replan it at every switch.

const CONTEXT_TENANT = "nullif(current_setting('nile.tenant_id', true), '')::uuid";

/** The three texts: the app's, the owner's (explicit tenant as the last parameter), policies only. */
function memberPageVariants(statement: Statement, s: Sample) {
  const params = statement.params(s);
  if (!statement.text.includes(CONTEXT_TENANT)) throw new Error("bench: the member page no longer reads the context's tenant");
  const explicit = `$${params.length + 1}::uuid`;
  return {
    params,
    underRls: statement.text,
    asOwner: statement.text.replaceAll(CONTEXT_TENANT, explicit),
    // The owner's statement plus, written into its WHERE, the two checks the policies make:
    // the acting user is a live member of the tenant (once), and each user row on the page
    // is a member of it (per row). What those checks cost without RLS: the floor for any
    // policy set that keeps them.
    ownerWithChecks: statement.text.replaceAll(CONTEXT_TENANT, explicit).replace(
      " where (",
      ` where (${explicit} = ANY (penguinmails_rls.visible_tenant_ids())
          and exists (select 1 from tenant_users m where m.user_id = "users"."id" and m.tenant_id = ${explicit}) and `,
    ),
    // The page with no tenant condition of its own, joined to the live tenants the policies
    // let through (without that join, ORDER BY user_id walks the whole user_id index).
    rlsOnly: `
      SELECT tu.user_id, u.email, u.name, tu.roles, tu.created, tu.deleted
      FROM tenant_users tu
      JOIN users u ON u.id = tu.user_id
      JOIN tenants t ON t.id = tu.tenant_id AND t.deleted IS NULL
      WHERE tu.deleted IS NULL ORDER BY tu.user_id LIMIT 51`,
  };
}

type Tx = postgres.Sql | postgres.TransactionSql;
const asApp = (tx: Tx, s: Sample) =>
  tx`SELECT set_config('nile.tenant_id', ${s.tenantId}, true), set_config('nile.user_id', ${s.ownerId}, true),
       set_config('role', 'penguinmails_app', true)`;
const asOwner = (tx: Tx, s: Sample) =>
  tx`SELECT set_config('nile.tenant_id', ${s.tenantId}, true), set_config('nile.user_id', ${s.ownerId}, true), current_user`;

async function pipelined(sql: postgres.Sql, context: (tx: Tx, s: Sample) => unknown, text: string, params: unknown[], s: Sample) {
  const conn = await sql.reserve();
  try {
    const settled = await Promise.allSettled([
      conn`BEGIN`,
      context(conn, s),
      prepared(conn, text, params),
      conn`COMMIT`,
    ]);
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    conn.release();
  }
}

export async function rlsCost(run: BenchRun): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    const sql = rawClient(resources, run.large.url, 1);
    const [app, owner, ownerContext, rlsOnly, ownerChecks] = [1, 2, 3, 4, 5].map(() => rawClient(resources, run.large.url, 1));
    const [login] = await sql<{ bypasses: boolean }[]>`SELECT rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = current_user`;
    if (!login?.bypasses) return [skipped(3, "RLS cost: member page", run.engine, "the login neither is superuser nor has BYPASSRLS")];
    const samples = samplesOf(run.large.scale!, run.config.samples);
    const pick = (i: number) => samples[i % samples.length]!;
    const page = memberPageVariants(run.statements.get("member page")!, pick(0));
    const ownerParams = (s: Sample) => [...page.params, s.tenantId];
    const [a, b, c, d, e] = await compareLatency(
      [
        { label: "app", run: (i) => pipelined(app!, asApp, page.underRls, page.params, pick(i)) },
        { label: "owner", run: (i) => pipelined(owner!, asOwner, page.asOwner, ownerParams(pick(i)), pick(i)) },
        { label: "owner, context", run: (i) => pipelined(ownerContext!, asOwner, page.underRls, page.params, pick(i)) },
        { label: "rls only", run: (i) => pipelined(rlsOnly!, asApp, page.rlsOnly, [], pick(i)) },
        { label: "owner with checks", run: (i) => pipelined(ownerChecks!, asOwner, page.ownerWithChecks, ownerParams(pick(i)), pick(i)) },
      ],
      run.config.request,
    );
    const s = pick(0);
    const planApp = await explain(sql, { text: page.underRls, params: page.params, setup: (tx) => asApp(tx, s) });
    const planOwner = await explain(sql, { text: page.asOwner, params: ownerParams(s), setup: (tx) => asOwner(tx, s) });
    const planOwnerContext = await explain(sql, { text: page.underRls, params: page.params, setup: (tx) => asOwner(tx, s) });
    const planRlsOnly = await explain(sql, { text: page.rlsOnly, params: [], setup: (tx) => asApp(tx, s) });
    const planOwnerChecks = await explain(sql, { text: page.ownerWithChecks, params: ownerParams(s), setup: (tx) => asOwner(tx, s) });
    const result = row({
      scenario: 3,
      name: "RLS cost: member page",
      engine: run.engine,
      scale: run.large.scale,
      a: figures("app: penguinmails_app under RLS, tenant from the context (as listMembers)", a!),
      b: figures("owner: bypasses RLS, explicit tenant_id = $1", b!),
      breakdown: [
        figures("owner, context: the app's SQL (tenant from current_setting) without RLS", c!),
        figures("rls only: penguinmails_app, no tenant filter in the query", d!),
        figures("owner with checks: the owner's SQL plus the policies' two membership checks, no RLS", e!),
      ],
      kind: "latency",
      target: { max: 1.1 },
    });
    result.plans = {
      "app under RLS": planApp.text,
      "owner, explicit tenant_id": planOwner.text,
      "owner, tenant from the context": planOwnerContext.text,
      "app, RLS only": planRlsOnly.text,
      "owner with the membership checks": planOwnerChecks.text,
    };
    result.same_plan_shape = sameShape(planApp, planOwner);
    result.seq_scans = planApp.seqScans;
    result.sql = { app: page.underRls, owner: page.asOwner, rls_only: page.rlsOnly.trim(), owner_with_checks: page.ownerWithChecks };
    return [result];
  } finally {
    await resources.closeAll();
  }
}
