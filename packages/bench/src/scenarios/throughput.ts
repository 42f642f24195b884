import { dataLayerClient, rawClient, Resources } from "../databases";
import { compareThroughput } from "../measure";
import { captureReadPath } from "../read-path";
import { figures, row, type ScenarioResult } from "../report";
import { TENANT_REQUEST_CALLS, TENANT_REQUESTS, tenantRequest } from "../sides/data-layer";
import { pipelinedTenantRequest } from "../sides/raw";
import { samplesOf } from "../world";
import type { BenchRun } from "./context";
import { CHECKED_FLOOR_LABEL, FLOOR_LABEL } from "./tenant-request";

// Scenario 5: scenario 2's requests from many concurrent callers over a small pool, in
// slices (A for a while, then B, ...). Each side has a pool of its own with the same size,
// so none waits for another's connections. A third side, the floor with the entry check,
// splits the difference.

export async function throughput(run: BenchRun): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    const { callers, pool } = run.config.throughput;
    const layer = dataLayerClient(resources, run.large.url, pool);
    const raw = rawClient(resources, run.large.url, pool);
    // The embedded engine takes 32 connections (its wire server): a third pool of 10 and the
    // run's other clients went past that, so there the breakdown is left out.
    const checkedRaw = run.engine === "embedded" ? undefined : rawClient(resources, run.large.url, pool);
    const samples = samplesOf(run.large.scale!, run.config.samples);
    const pick = (i: number) => samples[i % samples.length]!;
    const results: ScenarioResult[] = [];
    for (const request of TENANT_REQUESTS) {
      // The statement the request itself sends (acting as the tenant's owner), captured.
      const { statement } = await captureReadPath(resources, run.large.url, request, samples);
      const [a, b, c] = await compareThroughput(
        [
          { label: "data layer", run: (i) => tenantRequest(request, layer.db, pick(i)) },
          { label: "raw floor", run: (i) => pipelinedTenantRequest(raw, statement, pick(i)) },
          ...(checkedRaw ? [{ label: "raw floor + entry check", run: (i: number) => pipelinedTenantRequest(checkedRaw, statement, pick(i), true) }] : []),
        ],
        run.config.throughput,
      );
      results.push(
        row({
          scenario: 5,
          name: `throughput: ${request}, ${callers} callers, pool ${pool}`,
          engine: run.engine,
          scale: run.large.scale,
          a: figures(`data layer: ${TENANT_REQUEST_CALLS[request]}`, a!),
          b: figures(FLOOR_LABEL, b!),
          ...(c ? { breakdown: [figures(CHECKED_FLOOR_LABEL, c)] } : {}),
          kind: "throughput",
          target: { min: 0.85 },
        }),
      );
    }
    return results;
  } finally {
    await resources.closeAll();
  }
}
