import { dataLayerClient, Resources } from "../databases";
import { compareLatency, type Side } from "../measure";
import { figures, row, type ScenarioResult } from "../report";
import { startTripCounter, tripsPerCall } from "../round-trips";
import { HOT_READ_CALLS, HOT_READS, hotRead, type HotRead } from "../sides/data-layer";
import { preparedRead, unpreparedRead } from "../sides/raw";
import { resetSession, setSession, type Statement } from "../statements";
import { samplesOf, type Sample } from "../world";
import type { BenchRun } from "./context";

// Scenario 1: each hot read through the data layer vs the very SQL it sends, as a raw
// postgres.js prepared statement. Every side runs on one and the same connection (so the
// same server process, the same type parsers and, the text being identical, the same
// prepared statement on the server), with the same session context (set untimed before
// each call) and no transaction: what is left is the JavaScript above the driver. The raw
// sides turn timestamps into Dates as a default postgres.js client would (this connection's
// parsers are drizzle's, which hand them over as text), as the data layer does. With a
// connection per side, the point reads' ratio moved between 0.8 and 1.25 from run to run
// with nothing changed: which server process landed on which of the two cores.
// A third side, the same SQL unprepared (as drizzle sends it), splits the difference into
// the cost of not preparing and the cost of the JavaScript above the driver.

const LABELS = {
  raw: "raw prepared: postgres.js, the same SQL as a named prepared statement",
  unprepared: "raw unprepared: postgres.js unsafe(), the same SQL unnamed, as drizzle sends it",
};

export async function driverOverhead(run: BenchRun): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    const samples = samplesOf(run.large.scale!, run.config.samples);
    const timed = sidesFor(resources, run.large.url, samples);
    const counter = await startTripCounter(run.large.url);
    resources.defer(() => counter.close());
    const counted = sidesFor(resources, counter.url, samples);

    const results: ScenarioResult[] = [];
    for (const read of HOT_READS) {
      const statement = run.statements.get(read)!;
      const [a, b, c] = await compareLatency(timed.sides(read, statement), run.config.latency);
      const trips: number[] = [];
      for (const side of counted.sides(read, statement)) trips.push(await tripsPerCall(side, counter));
      const result = row({
        scenario: 1,
        name: `driver overhead: ${read}`,
        engine: run.engine,
        scale: run.large.scale,
        a: figures(`data layer: ${HOT_READ_CALLS[read]}`, a!, trips[0]),
        b: figures(LABELS.raw, b!, trips[1]),
        breakdown: [figures(LABELS.unprepared, c!, trips[2])],
        kind: "latency",
        target: { max: 1.1 },
      });
      result.sql = { statement: statement.text };
      results.push(result);
    }
    await timed.reset();
    await counted.reset();
    return results;
  } finally {
    await resources.closeAll();
  }
}

function sidesFor(resources: Resources, url: string, samples: Sample[]) {
  const layer = dataLayerClient(resources, url, 1);
  const raw = layer.sql;
  const unprepared = layer.sql;
  const pick = (i: number) => samples[i % samples.length]!;
  return {
    sides: (read: HotRead, statement: Statement): Side[] => [
      { label: "data layer", before: (i) => setSession(layer.sql, pick(i)), run: (i) => hotRead(read, layer.db, pick(i)) },
      { label: "raw prepared", before: (i) => setSession(raw, pick(i)), run: (i) => preparedRead(raw, statement, pick(i)) },
      { label: "raw unprepared", before: (i) => setSession(unprepared, pick(i)), run: (i) => unpreparedRead(unprepared, statement, pick(i)) },
    ],
    reset: async () => {
      await resetSession(layer.sql);
    },
  };
}
