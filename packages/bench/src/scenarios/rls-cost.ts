import { tenantUsers } from "@penguinmails/db/schema";
import { asc, and, eq, isNull, sql as fragment, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import { rawClient, Resources } from "../databases";
import { compareLatency, type Side } from "../measure";
import { explain, sameShape, type Plan } from "../plans";
import { captureReadPath, replay, type ReadPath } from "../read-path";
import { figures, row, skipped, type ScenarioResult, type SideFigures } from "../report";
import { samplesOf, type Sample } from "../world";
import type { BenchRun } from "./context";

// Scenario 3: what tenant isolation costs the database on the read path. The app side is
// what readInTenant sends (captured from the driver): BEGIN READ ONLY, the context
// (SET LOCAL settings and role, then enter_tenant(), the membership check), the statement,
// COMMIT, in one write. The owner bypasses RLS, runs the same statement with the tenant as
// an explicit parameter and makes no membership check: the plain query an app without
// isolation would send. Breakdown sides split the difference: the owner adding the same
// entry check, the app without it (policies only), the owner reading the tenant from the
// context. Each side has a connection of its own (a plan under RLS belongs to its role).

const CONTEXT_TENANT = "nullif(current_setting('nile.tenant_id', true), '')::uuid";

const settings = (s: Sample) => `SET LOCAL nile.tenant_id = '${s.tenantId}'; SET LOCAL nile.user_id = '${s.ownerId}'`;
const ENTER = "SELECT penguinmails_rls.enter_tenant()";
/** Each side's opening of the transaction; `app` must be what readInTenant sends (checked). */
const openings = {
  app: (s: Sample) => `BEGIN READ ONLY; ${settings(s)}; SET LOCAL ROLE penguinmails_app; ${ENTER}`,
  appWithoutEntry: (s: Sample) => `BEGIN READ ONLY; ${settings(s)}; SET LOCAL ROLE penguinmails_app`,
  owner: () => "BEGIN READ ONLY",
  ownerWithEntry: (s: Sample) => `BEGIN READ ONLY; ${settings(s)}; ${ENTER}`,
};

/** The statement with the context's tenant replaced by one more parameter, the tenant id. */
function withExplicitTenant(text: string, params: number): string {
  const uses = text.split(CONTEXT_TENANT).length - 1;
  const explicit = text.replaceAll(CONTEXT_TENANT, `$${params + 1}::uuid`);
  if (uses === 0 || explicit.includes("current_setting(")) {
    throw new Error("bench: the member page no longer reads its tenant as scenario 3 expects; update withExplicitTenant");
  }
  return explicit;
}

// Stands for the sample's tenant among the owner's parameters.
const TENANT_MARKER = "00000000-0000-4000-8000-000000000000";

/** A page of tenant_users alone (no users join), built from the schema: tenant from the context or a parameter. */
function membershipPage(tenant: SQL | typeof TENANT_MARKER): { text: string; params: (s: Sample) => unknown[] } {
  const query = drizzle.mock()
    .select({ userId: tenantUsers.userId, roles: tenantUsers.roles, created: tenantUsers.created, deleted: tenantUsers.deleted })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.tenantId, tenant), isNull(tenantUsers.deleted)))
    .orderBy(asc(tenantUsers.userId))
    .limit(51)
    .toSQL();
  return { text: query.sql, params: (s) => query.params.map((p) => (p === TENANT_MARKER ? s.tenantId : p)) };
}

interface Variant {
  label: string;
  opening: (s: Sample) => string;
  text: string;
  params: (s: Sample) => unknown[];
}

export async function rlsCost(run: BenchRun): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    const sql = rawClient(resources, run.large.url, 1);
    const [login] = await sql<{ bypasses: boolean }[]>`SELECT rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = current_user`;
    if (!login?.bypasses) return [skipped(3, "RLS cost: member page", run.engine, "the login neither is superuser nor has BYPASSRLS")];
    const samples = samplesOf(run.large.scale!, run.config.samples);
    const path = await captureReadPath(resources, run.large.url, "member page", samples);
    checkOpening(path, samples[0]!);

    const pageParams = path.statement.params;
    const pageOwner = withExplicitTenant(path.statement.text, pageParams(samples[0]!).length);
    const ownerParams = (s: Sample) => [...pageParams(s), s.tenantId];
    const memberPage = await measure(run, resources, samples, [
      { label: "app", opening: openings.app, text: path.statement.text, params: pageParams },
      { label: "owner", opening: openings.owner, text: pageOwner, params: ownerParams },
      { label: "owner + entry check", opening: openings.ownerWithEntry, text: pageOwner, params: ownerParams },
      { label: "app, no entry check", opening: openings.appWithoutEntry, text: path.statement.text, params: pageParams },
      { label: "owner, context", opening: openings.ownerWithEntry, text: path.statement.text, params: pageParams },
    ]);

    const fromContext = membershipPage(fragment.raw(CONTEXT_TENANT));
    const explicit = membershipPage(TENANT_MARKER);
    const memberships = await measure(run, resources, samples, [
      { label: "app", opening: openings.app, ...fromContext },
      { label: "owner", opening: openings.owner, ...explicit },
      { label: "owner + entry check", opening: openings.ownerWithEntry, ...explicit },
      { label: "app, no entry check", opening: openings.appWithoutEntry, ...fromContext },
    ]);

    const descriptions = {
      app: "app: readInTenant's messages (BEGIN READ ONLY, SET LOCAL context and role, enter_tenant(), the page, COMMIT; 1 round trip), under RLS",
      owner: "owner: bypasses RLS, the same page with an explicit tenant_id parameter, no membership check (BEGIN READ ONLY, page, COMMIT)",
      ownerEntry: "owner + entry check: the owner's page after the same SET LOCAL settings and enter_tenant(), no RLS",
      appNoEntry: "app, no entry check: the app's messages without enter_tenant() (the policies alone)",
      ownerContext: "owner, context: the app's SQL (tenant from current_setting) and enter_tenant(), without RLS",
    };
    const page = row({
      scenario: 3,
      name: "RLS cost: member page",
      engine: run.engine,
      scale: run.large.scale,
      a: figures(descriptions.app, memberPage.summaries[0]!),
      b: figures(descriptions.owner, memberPage.summaries[1]!),
      breakdown: [
        figures(descriptions.ownerEntry, memberPage.summaries[2]!),
        figures(descriptions.appNoEntry, memberPage.summaries[3]!),
        figures(descriptions.ownerContext, memberPage.summaries[4]!),
      ],
      kind: "latency",
      target: { max: 1.15 },
      note: "users are still filtered by the database: the users policy's membership EXISTS per row (see the plan)",
    });
    annotate(page, memberPage.plans, { app: path.statement.text, owner: pageOwner });
    const alone = row({
      scenario: 3,
      name: "RLS cost: tenant_users page alone (no users join)",
      engine: run.engine,
      scale: run.large.scale,
      a: figures(descriptions.app.replace("the page", "the page of tenant_users"), memberships.summaries[0]!),
      b: figures(descriptions.owner, memberships.summaries[1]!),
      breakdown: [figures(descriptions.ownerEntry, memberships.summaries[2]!), figures(descriptions.appNoEntry, memberships.summaries[3]!)] as SideFigures[],
      kind: "latency",
      target: { max: 1.05 },
    });
    annotate(alone, memberships.plans, { app: fromContext.text, owner: explicit.text });
    return [page, alone];
  } finally {
    await resources.closeAll();
  }
}

/** The breakdown sides are written out here: they must match what readInTenant really sends. */
function checkOpening(path: ReadPath, s: Sample): void {
  if (path.opening(s) !== openings.app(s)) {
    throw new Error(`bench: readInTenant now opens with ${JSON.stringify(path.opening(s))}; update scenario 3's openings`);
  }
}

async function measure(run: BenchRun, resources: Resources, samples: Sample[], variants: Variant[]) {
  const pick = (i: number) => samples[i % samples.length]!;
  const sides: Side[] = variants.map((v) => {
    const conn = rawClient(resources, run.large.url, 1);
    return { label: v.label, run: (i) => replay(conn, v.opening(pick(i)), v.text, v.params(pick(i))) };
  });
  const summaries = await compareLatency(sides, run.config.request);
  const sql = rawClient(resources, run.large.url, 1);
  const s = pick(0);
  const plans: Record<string, Plan> = {};
  for (const v of variants) {
    // explain() opens the transaction itself: the opening without its BEGIN.
    const setup = v.opening(s).replace(/^BEGIN READ ONLY;? ?/, "");
    plans[v.label] = await explain(sql, {
      text: v.text,
      params: v.params(s),
      ...(setup ? { setup: (tx: postgres.TransactionSql) => tx.unsafe(setup) } : {}),
    });
  }
  return { summaries, plans };
}

function annotate(result: ScenarioResult, plans: Record<string, Plan>, sqlTexts: Record<string, string>): void {
  result.plans = Object.fromEntries(Object.entries(plans).map(([label, plan]) => [label, plan.text]));
  result.same_plan_shape = sameShape(plans.app!, plans.owner!);
  result.seq_scans = plans.app!.seqScans;
  result.sql = sqlTexts;
}
