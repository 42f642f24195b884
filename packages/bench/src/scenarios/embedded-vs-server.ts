import { skipped, type ScenarioResult } from "../report";
import { HOT_READS } from "../sides/data-layer";
import type { BenchRun } from "./context";
import { growthBetween } from "./growth";

// Scenario 7: the hot reads through the data layer on the embedded engine vs on PostgreSQL,
// both seeded at the small scale, for the README's expectations. It needs a server: on a run
// without DATABASE_URL there is nothing to compare with, and the rows say so.

export async function embeddedVsServer(run: BenchRun): Promise<ScenarioResult[]> {
  if (!run.embeddedSmall) {
    return HOT_READS.map((read) => skipped(7, `embedded vs server: ${read}`, run.engine, "needs a server: run with DATABASE_URL set"));
  }
  return growthBetween(run, run.embeddedSmall, run.small, 7, "embedded vs server", null);
}
