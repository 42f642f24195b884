import { dataLayerClient, rawClient, Resources } from "../databases";
import { captureReadPath } from "../read-path";
import { figures, row, type ScenarioResult } from "../report";
import { timedWithTrips, type SidesOn } from "../round-trips";
import { TENANT_REQUEST_CALLS, TENANT_REQUESTS, tenantRequest, tenantRequestInTransaction, type TenantRequest } from "../sides/data-layer";
import { beginTenantRequest, pipelinedTenantRequest } from "../sides/raw";
import type { Statement } from "../statements";
import { samplesOf, type Sample } from "../world";
import type { BenchRun } from "./context";

// Scenario 2: a whole tenant-scoped read request (transaction, context, role, query,
// commit) through the data layer's read path, readInTenant, vs the raw floor for the same
// work: everything pipelined in one round trip. Two more sides split the difference:
// postgres.js begin() with the context pipelined into the prepared query (three round trips:
// BEGIN, context + query, COMMIT), and the general transactional path, withTenant (two:
// BEGIN + context + query, then COMMIT).

export const FLOOR_LABEL = "raw floor: BEGIN, context, query, COMMIT pipelined on one connection, all prepared";
const BEGIN_LABEL = "raw begin(): BEGIN | context + prepared query, pipelined | COMMIT";
const TRANSACTION_LABEL = "data layer, general path: withTenant (BEGIN + context + query | COMMIT)";
/** The floor plus the membership check on entry that isolation requires (issue #12): what is left above it is the data layer's JavaScript. */
export const CHECKED_FLOOR_LABEL = "raw floor + entry check: the same, its context statement also calling enter_tenant()";

export async function tenantRequestScenario(run: BenchRun): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    const samples = samplesOf(run.large.scale!, run.config.samples);
    const comparison = await timedWithTrips(resources, run.large.url, (url) => sidesOn(resources, url, samples));

    const results: ScenarioResult[] = [];
    for (const request of TENANT_REQUESTS) {
      // The statement the request itself sends (acting as the tenant's owner), captured.
      const { statement } = await captureReadPath(resources, run.large.url, request, samples);
      const {
        summaries: [a, b, c, d, e],
        trips,
      } = await comparison.measure({ request, statement }, run.config.request);
      results.push(
        row({
          scenario: 2,
          name: `tenant request: ${request}`,
          engine: run.engine,
          scale: run.large.scale,
          a: figures(`data layer: ${TENANT_REQUEST_CALLS[request]}`, a!, trips[0]),
          b: figures(FLOOR_LABEL, b!, trips[1]),
          breakdown: [figures(CHECKED_FLOOR_LABEL, e!, trips[4]), figures(BEGIN_LABEL, c!, trips[2]), figures(TRANSACTION_LABEL, d!, trips[3])],
          kind: "latency",
          target: { max: 1.15 },
        }),
      );
    }
    return results;
  } finally {
    await resources.closeAll();
  }
}

function sidesOn(resources: Resources, url: string, samples: Sample[]): SidesOn<{ request: TenantRequest; statement: Statement }> {
  const layer = dataLayerClient(resources, url, 1);
  const raw = rawClient(resources, url, 1);
  const checkedRaw = rawClient(resources, url, 1);
  const pick = (i: number) => samples[i % samples.length]!;
  return {
    sides: ({ request, statement }) => [
      { label: "data layer", run: (i) => tenantRequest(request, layer.db, pick(i)) },
      { label: "raw floor", run: (i) => pipelinedTenantRequest(raw, statement, pick(i)) },
      { label: "raw begin", run: (i) => beginTenantRequest(raw, statement, pick(i)) },
      { label: "data layer, withTenant", run: (i) => tenantRequestInTransaction(request, layer.db, pick(i)) },
      { label: "raw floor + entry check", run: (i) => pipelinedTenantRequest(checkedRaw, statement, pick(i), true) },
    ],
  };
}
