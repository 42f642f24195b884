import type { ScenarioResult } from "../report";
import { bulkLoadScenario } from "./bulk-load";
import { citusVsPostgres } from "./citus";
import type { BenchRun } from "./context";
import { driverOverhead } from "./driver-overhead";
import { embeddedVsServer } from "./embedded-vs-server";
import { growth } from "./growth";
import { migrateFromEmpty } from "./migrate-from-empty";
import { rlsCost } from "./rls-cost";
import { tenantRequestScenario } from "./tenant-request";
import { throughput } from "./throughput";

export interface Scenario {
  number: number;
  title: string;
  run(run: BenchRun): Promise<ScenarioResult[]>;
}

// Run in this order: 6 writes into the small database, so it comes after 4 and 7 have read it.
export const SCENARIOS: Scenario[] = [
  { number: 1, title: "driver overhead", run: driverOverhead },
  { number: 2, title: "tenant-scoped request", run: tenantRequestScenario },
  { number: 3, title: "cost of RLS", run: rlsCost },
  { number: 4, title: "growth", run: growth },
  { number: 5, title: "throughput", run: throughput },
  { number: 7, title: "embedded vs server", run: embeddedVsServer },
  { number: 6, title: "bulk load", run: bulkLoadScenario },
  { number: 8, title: "migrate from empty", run: migrateFromEmpty },
  { number: 9, title: "Citus vs PostgreSQL", run: citusVsPostgres },
];
