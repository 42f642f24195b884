import { dataLayerClient, Resources, type BenchDatabase } from "../databases";
import { compareLatencyInRounds } from "../measure";
import { explain, sameShape } from "../plans";
import { figures, row, type ScenarioResult } from "../report";
import { HOT_READ_CALLS, HOT_READS, hotRead } from "../sides/data-layer";
import { resetSession, setSession } from "../statements";
import { describeScale, samplesOf } from "../world";
import type { BenchRun } from "./context";

// Scenario 4: the hot reads through the data layer on the large database vs the small one.
// Pages and tenant lists are the same size at both ends (see world.ts), so any difference
// is the tables' size: index descents grow with log n; a scan would grow with n. Both plans
// are shown for every read.

export async function growth(run: BenchRun): Promise<ScenarioResult[]> {
  return growthBetween(run, run.large, run.small, 4, "growth");
}

/** Also scenario 7: the same reads on two databases, A against B. */
export async function growthBetween(
  run: BenchRun,
  dbA: BenchDatabase,
  dbB: BenchDatabase,
  scenario: number,
  title: string,
  target: { max: number } | null = { max: 1.5 },
): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    // For the plans; the timed reads connect afresh each round (see compareLatencyInRounds).
    const a = dataLayerClient(resources, dbA.url, 1);
    const b = dataLayerClient(resources, dbB.url, 1);
    const samplesA = samplesOf(dbA.scale!, run.config.samples);
    const samplesB = samplesOf(dbB.scale!, run.config.samples);
    const pickA = (i: number) => samplesA[i % samplesA.length]!;
    const pickB = (i: number) => samplesB[i % samplesB.length]!;
    const results: ScenarioResult[] = [];
    for (const read of HOT_READS) {
      const open = () => {
        const round = new Resources();
        const ra = dataLayerClient(round, dbA.url, 1);
        const rb = dataLayerClient(round, dbB.url, 1);
        return {
          sides: [
            { label: "A", before: (i: number) => setSession(ra.sql, pickA(i)), run: (i: number) => hotRead(read, ra.db, pickA(i)) },
            { label: "B", before: (i: number) => setSession(rb.sql, pickB(i)), run: (i: number) => hotRead(read, rb.db, pickB(i)) },
          ],
          close: () => round.closeAll(),
        };
      };
      const [sa, sb] = await compareLatencyInRounds(open, { ...run.config.latency, rounds: run.config.connectionRounds });
      const statement = run.statements.get(read)!;
      const planA = await explain(a.sql, { text: statement.text, params: statement.params(pickA(0)), setup: (tx) => setSession(tx, pickA(0)) });
      const planB = await explain(b.sql, { text: statement.text, params: statement.params(pickB(0)), setup: (tx) => setSession(tx, pickB(0)) });
      const where = (db: BenchDatabase) => `${db.engine}, ${describeScale(db.scale!)}`;
      // Short names tell the two ends apart: the engine, or else the size.
      const short = (db: BenchDatabase) => (dbA.engine === dbB.engine ? `${db.scale!.memberships.toLocaleString("en-US")} memberships` : db.engine);
      const result = row({
        scenario,
        name: `${title}: ${read}`,
        engine: dbA.engine === dbB.engine ? run.engine : `${dbA.engine} vs ${dbB.engine}`,
        scale: dbA.scale,
        a: figures(`${short(dbA)}: data layer ${HOT_READ_CALLS[read]} on ${where(dbA)}`, sa!),
        b: figures(`${short(dbB)}: data layer ${HOT_READ_CALLS[read]} on ${where(dbB)}`, sb!),
        kind: "latency",
        ...(target ? { target } : {}),
      });
      result.plans = { [where(dbA)]: planA.text, [where(dbB)]: planB.text };
      result.same_plan_shape = sameShape(planA, planB);
      result.seq_scans = planA.seqScans;
      results.push(result);
    }
    await resetSession(a.sql);
    await resetSession(b.sql);
    return results;
  } finally {
    await resources.closeAll();
  }
}
