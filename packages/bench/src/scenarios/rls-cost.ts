import { tenantUsers } from "@penguinmails/db/schema";
import { asc, and, eq, isNull, Placeholder, sql as fragment } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { rawClient, Resources } from "../databases";
import { compareLatency, type Side } from "../measure";
import { eachMessage, explain, sameShape, type Plan } from "../plans";
import { captureReadPath, replay, type Message, type ReadPath } from "../read-path";
import { figures, row, skipped, type ScenarioResult, type SideFigures } from "../report";
import { samplesOf, type Sample } from "../world";
import type { BenchRun } from "./context";

// Scenario 3: what tenant isolation costs the database on the read path. The app side is
// what readInTenant sends (captured from the driver): BEGIN READ ONLY, then one prepared
// SELECT that sets the context's settings and the role and calls enter_tenant() (the
// membership check), the statement and COMMIT, in one write. The statement names its tenant
// by a parameter, so the owner, who bypasses RLS, runs the very same text and parameters,
// with no context and no membership check: the plain query an app without isolation would
// send. Breakdown sides split the difference: the owner adding the same entry check, the app
// without it (policies only). Each side has a connection of its own (a plan under RLS
// belongs to its role).

const BEGIN = "BEGIN READ ONLY";
const text = (t: string): Message => ({ text: t, params: [] });
/** An opening's messages without its BEGIN (explain() opens the transaction itself). */
export const withoutBegin = (opening: Message[]): Message[] =>
  opening.flatMap((m) => (m.text === BEGIN ? [] : m.text.startsWith(`${BEGIN}; `) ? [{ ...m, text: m.text.slice(BEGIN.length + 2) }] : [m]));
const settings = "pg_catalog.set_config('nile.tenant_id', $1, true), pg_catalog.set_config('nile.user_id', $2, true)";
const AS_APP = "pg_catalog.set_config('role', 'penguinmails_app', true)";
const ENTER = "penguinmails_rls.enter_tenant()";
const setup = (parts: string[], s: Sample): Message => ({ text: `SELECT ${parts.join(", ")}`, params: [s.tenantId, s.ownerId] });
/** Each side's opening; `app` must be what readInTenant sends (checked). */
const openings = {
  app: (s: Sample) => [text(BEGIN), setup([settings, AS_APP, ENTER], s)],
  appWithoutEntry: (s: Sample) => [text(BEGIN), setup([settings, AS_APP], s)],
  owner: () => [text(BEGIN)],
  ownerWithEntry: (s: Sample) => [text(BEGIN), setup([settings, ENTER], s)],
};

/**
 * A page of tenant_users alone (no users join), built from the schema as the data layer
 * builds its member page: the tenant and the limit are placeholders, bound per request.
 */
function membershipPage(): { text: string; params: (s: Sample) => unknown[] } {
  const query = drizzle
    .mock()
    .select({ userId: tenantUsers.userId, roles: tenantUsers.roles, created: tenantUsers.created, deleted: tenantUsers.deleted })
    .from(tenantUsers)
    .where(and(eq(tenantUsers.tenantId, fragment.placeholder("tenantId")), isNull(tenantUsers.deleted)))
    .orderBy(asc(tenantUsers.userId))
    .limit(fragment.placeholder("limit"))
    .toSQL();
  const values = (s: Sample): Record<string, unknown> => ({ tenantId: s.tenantId, limit: 51 });
  // toSQL() leaves each sql.placeholder() in `params` as a Placeholder, named.
  return { text: query.sql, params: (s) => query.params.map((p) => (p instanceof Placeholder ? values(s)[(p as Placeholder<string>).name] : p)) };
}

interface Variant {
  label: string;
  opening: (s: Sample) => Message[];
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
    checkTenantBound(path.statement.text);

    // One statement for all sides: the app's, as captured (the tenant a parameter).
    const page = { text: path.statement.text, params: path.statement.params };
    const memberPage = await measure(run, resources, samples, [
      { label: "app", opening: openings.app, ...page },
      { label: "owner", opening: openings.owner, ...page },
      { label: "owner + entry check", opening: openings.ownerWithEntry, ...page },
      { label: "app, no entry check", opening: openings.appWithoutEntry, ...page },
    ]);

    const alonePage = membershipPage();
    const memberships = await measure(run, resources, samples, [
      { label: "app", opening: openings.app, ...alonePage },
      { label: "owner", opening: openings.owner, ...alonePage },
      { label: "owner + entry check", opening: openings.ownerWithEntry, ...alonePage },
      { label: "app, no entry check", opening: openings.appWithoutEntry, ...alonePage },
    ]);

    const descriptions = {
      app: "app: readInTenant's messages (BEGIN READ ONLY; one prepared SELECT: set_config tenant, user and role, enter_tenant(); the page; COMMIT; 1 round trip), under RLS",
      owner: "owner: bypasses RLS, the very same statement and parameters (tenant bound), no context, no membership check (BEGIN READ ONLY, page, COMMIT)",
      ownerEntry: "owner + entry check: the owner's page after the same settings and enter_tenant(), no RLS",
      appNoEntry: "app, no entry check: the app's messages without enter_tenant() (the policies alone)",
    };
    const breakdown = (summaries: typeof memberPage.summaries): SideFigures[] => [
      figures(descriptions.ownerEntry, summaries[2]!),
      figures(descriptions.appNoEntry, summaries[3]!),
    ];
    const pageRow = row({
      scenario: 3,
      name: "RLS cost: member page",
      engine: run.engine,
      scale: run.large.scale,
      a: figures(descriptions.app, memberPage.summaries[0]!),
      b: figures(descriptions.owner, memberPage.summaries[1]!),
      breakdown: breakdown(memberPage.summaries),
      kind: "latency",
      target: { max: 1.15 },
      note: "users are still filtered by the database: the users policy's membership EXISTS per row (see the plan)",
    });
    annotate(pageRow, memberPage.plans, page.text);
    const alone = row({
      scenario: 3,
      name: "RLS cost: tenant_users page alone (no users join)",
      engine: run.engine,
      scale: run.large.scale,
      a: figures(descriptions.app.replace("the page", "the page of tenant_users"), memberships.summaries[0]!),
      b: figures(descriptions.owner, memberships.summaries[1]!),
      breakdown: breakdown(memberships.summaries),
      kind: "latency",
      target: { max: 1.05 },
    });
    annotate(alone, memberships.plans, alonePage.text);
    return [pageRow, alone];
  } finally {
    await resources.closeAll();
  }
}

/** The breakdown sides are written out here: they must match what readInTenant really sends. */
function checkOpening(path: ReadPath, s: Sample): void {
  if (JSON.stringify(path.opening(s)) !== JSON.stringify(openings.app(s))) {
    throw new Error(`bench: readInTenant now opens with ${JSON.stringify(path.opening(s))}; update scenario 3's openings`);
  }
}

/** The owner runs the app's statement as is only because it names its tenant by parameter. */
function checkTenantBound(text: string): void {
  if (text.includes("current_setting(")) {
    throw new Error("bench: the member page reads the context's settings again; the owner (no context) cannot run it as is");
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
    const setup = withoutBegin(v.opening(s));
    plans[v.label] = await explain(sql, {
      text: v.text,
      params: v.params(s),
      ...(setup.length > 0 ? { setup: eachMessage(setup) } : {}),
    });
  }
  return { summaries, plans };
}

function annotate(result: ScenarioResult, plans: Record<string, Plan>, text: string): void {
  result.plans = Object.fromEntries(Object.entries(plans).map(([label, plan]) => [label, plan.text]));
  result.same_plan_shape = sameShape(plans.app!, plans.owner!);
  result.seq_scans = plans.app!.seqScans;
  result.sql = { "every side": text };
}
