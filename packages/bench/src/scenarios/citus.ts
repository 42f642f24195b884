import { dataLayerClient, openCitus, rawClient, Resources, seeded, type BenchDatabase } from "../databases";
import { compareLatencyInRounds, type Side } from "../measure";
import { eachMessage, explain, type Plan } from "../plans";
import { captureReadPath, replay, type Message, type ReadPath } from "../read-path";
import { withoutBegin } from "./rls-cost";
import { figures, row, skipped, type ScenarioResult } from "../report";
import { startTripCounter, tripsPerCall } from "../round-trips";
import { TENANT_REQUEST_CALLS, TENANT_REQUESTS, tenantRequest, type TenantRequest } from "../sides/data-layer";
import { samplesOf, type Sample } from "../world";
import type { BenchRun } from "./context";

// Scenario 9 (only with BENCH_CITUS_URL): scenario 2's tenant requests through the data
// layer's read path on a Citus cluster (coordinator + workers, tables distributed by the
// migrations) vs the same on plain PostgreSQL, both seeded alike. Besides latency and round
// trips it checks the plans: a single-tenant request must be a router query (Citus sends
// it to one shard: `Task Count: 1` in EXPLAIN), never a fan-out to every shard.

export async function citusVsPostgres(run: BenchRun): Promise<ScenarioResult[]> {
  if (!run.citusUrl) return [skipped(9, "Citus vs PostgreSQL", run.engine, "BENCH_CITUS_URL is not set")];
  const resources = new Resources();
  try {
    const citus = await seeded(await openCitus(resources, run.citusUrl), run.large.scale!);
    const postgres = run.large;
    const samples = samplesOf(postgres.scale!, run.config.samples);
    const results: ScenarioResult[] = [];
    for (const request of TENANT_REQUESTS) {
      // Captured on each engine: the statement is the same, the opening is not (one query
      // message on PostgreSQL, three on Citus, which replays a SET LOCAL by its message's text).
      // A request that is not routed fans out to every shard, which the plan below shows first.
      const paths = {
        citus: await captureReadPath(resources, citus.url, request, samples),
        postgres: await captureReadPath(resources, postgres.url, request, samples),
      };
      const path = paths.citus;
      const citusPlan = await routingPlan(resources, citus, path, samples[0]!);
      const tasks = [...citusPlan.text.matchAll(/Task Count: (\d+)/g)].map((m) => Number(m[1]));
      const router = tasks.length > 0 && tasks.every((n) => n === 1);
      if (!router) {
        // Timing a fan-out here exhausted the workers' connection slots (16 per worker per
        // session, 32 shards) and crashed a worker once: report the plan, not a latency.
        results.push({
          ...skipped(
            9,
            `Citus vs PostgreSQL: ${request}`,
            "citus vs postgres",
            `not a router plan on Citus (Task Count ${tasks.join(", ") || "absent"}): a single-tenant request fans out to every shard; not timed`,
          ),
          router_plan: false,
          plans: { "citus (tenant context, EXPLAIN without ANALYZE)": citusPlan.text },
          sql: sqlOf(path, samples[0]!),
        });
        continue;
      }
      const sidesOn = (round: Resources, urls: { citus: string; postgres: string }): Side[] =>
        (["citus", "postgres"] as const).flatMap((engine) => requestSides(round, urls[engine], request, paths[engine], samples));
      const open = () => {
        const round = new Resources();
        return { sides: sidesOn(round, { citus: citus.url, postgres: postgres.url }), close: () => round.closeAll() };
      };
      let timed: Awaited<ReturnType<typeof compareLatencyInRounds>>;
      try {
        timed = await compareLatencyInRounds(open, { ...run.config.request, rounds: run.config.connectionRounds });
      } catch (error) {
        // The statement routes, but the request around it may not (enter_tenant()'s check).
        results.push({
          ...skipped(
            9,
            `Citus vs PostgreSQL: ${request}`,
            "citus vs postgres",
            `the statement is a router plan, but the request failed on Citus: ${String((error as { cause?: unknown }).cause ?? error)}`,
          ),
          router_plan: false,
          plans: { "citus (tenant context, EXPLAIN without ANALYZE)": citusPlan.text },
          sql: sqlOf(path, samples[0]!),
        });
        continue;
      }
      const [a, rawA, b, rawB] = timed;
      const trips = await countTrips(resources, citus, postgres, sidesOn);
      const plans = {
        citus: await planOf(resources, citus, paths.citus, samples[0]!),
        postgres: await planOf(resources, postgres, paths.postgres, samples[0]!),
      };
      const result = row({
        scenario: 9,
        name: `Citus vs PostgreSQL: ${request}`,
        engine: "citus vs postgres",
        scale: postgres.scale,
        a: figures(`citus: data layer ${TENANT_REQUEST_CALLS[request]} on the Citus coordinator (2 workers)`, a!, trips[0]),
        b: figures(`postgres: data layer ${TENANT_REQUEST_CALLS[request]} on PostgreSQL`, b!, trips[2]),
        breakdown: [
          figures("citus raw: readInTenant's messages replayed on Citus, prepared", rawA!, trips[1]),
          figures("postgres raw: readInTenant's messages replayed on PostgreSQL, prepared", rawB!, trips[3]),
        ],
        kind: "latency",
        note: `router plan on Citus: Task Count: ${tasks.join(", ")} (one shard; the statement's plan, not enter_tenant()'s check, which runs inside a function)`,
      });
      result.router_plan = true;
      result.plans = { "citus (tenant context)": plans.citus.text, "postgres (tenant context)": plans.postgres.text };
      result.sql = { citus: paths.citus.statement.text, postgres: paths.postgres.statement.text };
      results.push(result);
    }
    return results;
  } finally {
    await resources.closeAll();
  }
}

/** What a skipped row reports it would have sent: the statement and readInTenant's opening. */
function sqlOf(path: ReadPath, s: Sample): Record<string, string> {
  return {
    statement: path.statement.text,
    opening: path
      .opening(s)
      .map((m) => m.text)
      .join(";\n"),
  };
}

/** The data layer's request and the raw replay of its messages, on `url`. */
function requestSides(resources: Resources, url: string, request: TenantRequest, path: ReadPath, samples: Sample[]): Side[] {
  const layer = dataLayerClient(resources, url, 1);
  const raw = rawClient(resources, url, 1);
  const pick = (i: number) => samples[i % samples.length]!;
  return [
    { label: "data layer", run: (i) => tenantRequest(request, layer.db, pick(i)) },
    { label: "raw", run: (i) => replay(raw, path.opening(pick(i)), path.statement.text, path.statement.params(pick(i))) },
  ];
}

async function countTrips(
  resources: Resources,
  citus: BenchDatabase,
  postgres: BenchDatabase,
  sidesOn: (round: Resources, urls: { citus: string; postgres: string }) => Side[],
): Promise<number[]> {
  const counters = { citus: await startTripCounter(citus.url), postgres: await startTripCounter(postgres.url) };
  resources.defer(() => counters.citus.close());
  resources.defer(() => counters.postgres.close());
  const round = new Resources();
  try {
    const sides = sidesOn(round, { citus: counters.citus.url, postgres: counters.postgres.url });
    const trips: number[] = [];
    for (const [k, side] of sides.entries()) trips.push(await tripsPerCall(side, k < 2 ? counters.citus : counters.postgres));
    return trips;
  } finally {
    await round.closeAll();
  }
}

/** The opening's messages that set the tenant context, as readInTenant sends them (BEGIN left to explain()). */
function contextOf(path: ReadPath, s: Sample): Message[] {
  const opening = path.opening(s);
  const setup = withoutBegin(opening);
  // As text on Citus, as a parameter of the prepared setup on PostgreSQL.
  const setsTenant = (m: Message) => m.text.includes(`SET LOCAL nile.tenant_id = '${s.tenantId}'`) || m.params.includes(s.tenantId);
  if (!opening[0]?.text.startsWith("BEGIN READ ONLY") || !setup.some(setsTenant))
    throw new Error("bench: readInTenant's opening changed; update scenario 9's plans");
  return setup;
}

/**
 * EXPLAIN (not run) of the request's statement on Citus in the tenant context, without
 * enter_tenant(): that check is itself a query, and where it fans out it must not run here.
 */
async function routingPlan(resources: Resources, database: BenchDatabase, path: ReadPath, s: Sample): Promise<Plan> {
  const sql = rawClient(resources, database.url, 1);
  const context = contextOf(path, s).map((m) => ({ ...m, text: m.text.replace(", penguinmails_rls.enter_tenant()", "") }));
  return explain(sql, { text: path.statement.text, params: path.statement.params(s), setup: eachMessage(context), analyze: false });
}

/** EXPLAIN ANALYZE of the request's statement in the tenant context, as readInTenant enters it. */
async function planOf(resources: Resources, database: BenchDatabase, path: ReadPath, s: Sample): Promise<Plan> {
  const sql = rawClient(resources, database.url, 1);
  const context = contextOf(path, s);
  return explain(sql, { text: path.statement.text, params: path.statement.params(s), setup: eachMessage(context) });
}
