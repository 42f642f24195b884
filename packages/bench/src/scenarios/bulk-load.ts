import { randomUUID } from "node:crypto";
import { dataLayerClient, rawClient, Resources } from "../databases";
import { compareBatches, type BatchSide } from "../measure";
import { figures, row, type ScenarioResult } from "../report";
import { BULK_LABEL, bulkLoad, PER_ROW_LABEL, perRowLoad, type BulkBatch } from "../sides/data-layer";
import { copyLoad, multiRowLoad } from "../sides/raw";
import { md5Uuid } from "../world";
import type { BenchRun } from "./context";

// Scenario 6: loading new users with their memberships, batch by batch, through the data
// layer's bulk path vs the fastest raw load that row-level security allows (multi-row
// INSERT as penguinmails_system; COPY is refused to any role the policies apply to). Every
// batch goes into a tenant of its own, made beforehand, so no side loads into a bigger
// table than another. COPY as the owner and the per-row API are measured alongside.

type SideName = "layer" | "raw" | "copy" | "perRow";
const SIDE_NAMES: SideName[] = ["layer", "raw", "copy", "perRow"];
const PER_ROW_MAX = 1_000;

export async function bulkLoadScenario(run: BenchRun): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    const { rows, batches } = run.config.bulk;
    const layer = dataLayerClient(resources, run.small.url, 1);
    const raw = rawClient(resources, run.small.url, 1);
    // COPY writes its data and CopyDone separately: without TCP_NODELAY the second waits ~40 ms.
    const copy = rawClient(resources, run.small.url, 1, { noDelay: true });
    const [login] = await raw<{ bypasses: boolean }[]>`SELECT rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = current_user`;
    // The wire server in front of the embedded engine speaks no COPY sub-protocol.
    const canCopy = run.engine === "postgres" && Boolean(login?.bypasses);
    await makeTenants(raw, batches);

    const current = new Map<SideName, BulkBatch>();
    const side = (name: SideName, size: number, load: (batch: BulkBatch) => Promise<void>): BatchSide => ({
      label: name,
      rows: size,
      before: (i) => {
        current.set(name, batchOf(name, i, size));
        return Promise.resolve();
      },
      run: () => load(current.get(name)!),
    });
    const sides = [
      side("layer", rows, (batch) => bulkLoad(layer.db, batch)),
      side("raw", rows, (batch) => multiRowLoad(raw, batch)),
      ...(canCopy ? [side("copy", rows, (batch) => copyLoad(copy, batch))] : []),
      side("perRow", Math.min(rows, PER_ROW_MAX), (batch) => perRowLoad(layer.db, batch)),
    ];
    const summaries = await compareBatches(sides, run.config.bulk);
    const byName = new Map(sides.map((s, k) => [s.label, summaries[k]!]));
    const per = (name: string) => byName.get(name)!;
    return [
      row({
        scenario: 6,
        name: `bulk load: users + memberships, ${rows.toLocaleString("en-US")} a batch`,
        engine: run.engine,
        scale: run.small.scale,
        a: figures(BULK_LABEL, per("layer")),
        b: figures("raw multi-row: INSERT ... SELECT FROM unnest, users then memberships, as penguinmails_system, pipelined", per("raw")),
        breakdown: [
          ...(canCopy ? [figures("raw COPY: as the owner, which bypasses RLS (no app role may COPY); TCP_NODELAY", per("copy"))] : []),
          figures(`${PER_ROW_LABEL} (${Math.min(rows, PER_ROW_MAX).toLocaleString("en-US")} a batch)`, per("perRow")),
        ],
        kind: "throughput",
        target: { min: 0.5 },
        note: "p50/p95/p99 are per batch; ops/s is rows (user + membership) per second, median over batches",
      }),
    ];
  } finally {
    await resources.closeAll();
  }
}

// md5-shaped like the seeded world's ids, so they never collide with the random ones.
const bulkTenantId = (name: SideName, i: number) => md5Uuid(`pm-bench-bulk-tenant-${name}-${i}`);
const bulkOwnerId = (name: SideName, i: number) => md5Uuid(`pm-bench-bulk-owner-${name}-${i}`);

function batchOf(name: SideName, i: number, size: number): BulkBatch {
  return {
    tenantId: bulkTenantId(name, i),
    ownerId: bulkOwnerId(name, i),
    users: Array.from({ length: size }, (_, j) => ({ id: randomUUID(), email: `bulk-${name}-${i}-${j}@bench.test` })),
  };
}

/** An empty tenant and its owner for every batch of every side, on the system path. */
async function makeTenants(sql: ReturnType<typeof rawClient>, batches: number): Promise<void> {
  const owners = SIDE_NAMES.flatMap((name) => Array.from({ length: batches }, (_, i) => ({ name, i })));
  const ownerIds = owners.map(({ name, i }) => bulkOwnerId(name, i));
  const tenantIds = owners.map(({ name, i }) => bulkTenantId(name, i));
  const emails = owners.map(({ name, i }) => `bulk-owner-${name}-${i}@bench.test`);
  await sql.begin(async (tx) => {
    await tx`SELECT set_config('role', 'penguinmails_system', true)`;
    await tx`INSERT INTO users (id, email) SELECT * FROM unnest(${ownerIds}::uuid[], ${emails}::text[])`;
    await tx`INSERT INTO tenants (id, name) SELECT id, 'Bulk ' || id FROM unnest(${tenantIds}::uuid[]) AS id`;
    await tx`INSERT INTO tenant_users (tenant_id, user_id, roles)
             SELECT * , ARRAY['owner'] FROM unnest(${tenantIds}::uuid[], ${ownerIds}::uuid[])`;
  });
}
