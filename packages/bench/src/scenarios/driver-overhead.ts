import { dataLayerClient, Resources } from "../databases";
import { figures, row, type ScenarioResult } from "../report";
import { timedWithTrips, type SidesOn } from "../round-trips";
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
    const comparison = await timedWithTrips(resources, run.large.url, (url) => sidesOn(resources, url, samples));

    const results: ScenarioResult[] = [];
    for (const read of HOT_READS) {
      const statement = run.statements.get(read)!;
      const {
        summaries: [a, b, c],
        trips,
      } = await comparison.measure({ read, statement }, run.config.latency);
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
    await comparison.reset();
    return results;
  } finally {
    await resources.closeAll();
  }
}

// One connection for every side (see above): the data layer's own.
function sidesOn(resources: Resources, url: string, samples: Sample[]): SidesOn<{ read: HotRead; statement: Statement }> {
  const layer = dataLayerClient(resources, url, 1);
  const pick = (i: number) => samples[i % samples.length]!;
  const before = (i: number) => setSession(layer.sql, pick(i));
  return {
    sides: ({ read, statement }) => [
      { label: "data layer", before, run: (i) => hotRead(read, layer.db, pick(i)) },
      { label: "raw prepared", before, run: (i) => preparedRead(layer.sql, statement, pick(i)) },
      { label: "raw unprepared", before, run: (i) => unpreparedRead(layer.sql, statement, pick(i)) },
    ],
    reset: () => resetSession(layer.sql),
  };
}
