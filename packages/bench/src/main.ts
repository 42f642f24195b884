// `pnpm bench [--quick] [--only 1,2,...]`: runs the scenarios of issue #7 on DATABASE_URL or,
// unset, on the embedded engine (scenario 9 also on BENCH_CITUS_URL's Citus cluster), in databases of its own that it drops afterwards; prints a
// table and writes the same figures to bench-results.json at the repo root.
import os from "node:os";
import path from "node:path";
import { inspect, parseArgs } from "node:util";
import { configFor } from "./config";
import { openDatabase, openEmbedded, Resources, seeded } from "./databases";
import { readBenchEnv } from "./env";
import { dataLayerState, machineInfo } from "./machine";
import { printPlans, printTable, repoRoot, writeJson, type ScenarioResult } from "./report";
import type { BenchRun } from "./scenarios/context";
import { SCENARIOS } from "./scenarios";
import { captureHotReads } from "./statements";
import { samplesOf } from "./world";

/** The "quiet machine": a 1-minute load average below this, nothing else running. */
const QUIET_LOAD = 1.5;
const loadAverages = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const loadNow = () => loadAverages()[0]!;

async function main(): Promise<number> {
  // `pnpm --filter ... bench -- --quick` hands the script a literal "--" first; skip it.
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === "--" ? args.slice(1) : args,
    options: { quick: { type: "boolean", default: false }, only: { type: "string" } },
    allowPositionals: false,
  });
  const config = configFor(values.quick ? "quick" : "full");
  const only = values.only ? new Set(values.only.split(",").map(Number)) : null;
  const env = readBenchEnv();
  const started = new Date();
  const loadAtStart = loadAverages();
  const t0 = performance.now();
  const resources = new Resources();
  const stop = () => void resources.closeAll().then(() => process.exit(130));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  const results: ScenarioResult[] = [];
  const engineName = env.serverUrl ? "postgres" : "embedded";
  try {
    console.log(`bench: ${config.mode} mode on ${env.serverUrl ? "PostgreSQL (DATABASE_URL)" : "the embedded engine"}, load average ${loadNow()}`);
    if (loadNow() >= QUIET_LOAD)
      console.warn(`bench: the machine is busy (load average ${loadNow()} >= ${QUIET_LOAD}): ratios near a target may land either side`);
    const large = await seeded(await openDatabase(resources), config.large);
    const small = await seeded(await openDatabase(resources), config.small);
    const wants = (n: number) => !only || only.has(n);
    const embeddedSmall = env.serverUrl && wants(7) ? await seeded(await openEmbedded(resources), config.small) : undefined;
    const statements = await captureHotReads(resources, large.url, samplesOf(config.large, 2));
    const run: BenchRun = {
      config,
      engine: large.engine,
      large,
      small,
      statements,
      ...(embeddedSmall ? { embeddedSmall } : {}),
      ...(env.citusUrl ? { citusUrl: env.citusUrl } : {}),
    };

    for (const scenario of SCENARIOS) {
      if (!wants(scenario.number)) continue;
      // Scenario 9 needs a Citus cluster: without BENCH_CITUS_URL it runs only when asked for.
      if (scenario.number === 9 && !env.citusUrl && !only) continue;
      const t = performance.now();
      const load = { start: loadNow(), end: Number.NaN };
      console.log(`bench: scenario ${scenario.number}, ${scenario.title}...`);
      const rows = await scenario.run(run);
      load.end = loadNow();
      results.push(...rows.map((r) => ({ ...r, load })));
      console.log(`bench: scenario ${scenario.number} took ${((performance.now() - t) / 1000).toFixed(1)} s, load average ${load.start} → ${load.end}`);
    }
  } finally {
    await resources.closeAll();
  }

  results.sort((x, y) => x.scenario - y.scenario);
  console.log("");
  printTable(results);
  printPlans(results);
  const file = path.join(repoRoot(), "bench-results.json");
  writeJson(file, {
    engine: engineName,
    mode: config.mode,
    started: started.toISOString(),
    duration_s: Math.round((performance.now() - t0) / 100) / 10,
    scales: { small: config.small, large: config.large },
    // 1, 5 and 15-minute load averages; each row also has its scenario's (`load`).
    machine: { ...(await machineInfo(env.serverUrl)), load_average_at_start: loadAtStart, load_average_at_end: loadAverages() },
    data_layer: dataLayerState(),
    scenarios: results,
  });
  console.log(`\nbench: wrote ${path.relative(process.cwd(), file)} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const fannedOut = results.filter((r) => r.router_plan === false);
  for (const r of fannedOut) console.error(`bench: ${r.scenario} ${r.name}: a single-tenant request is not routed to one shard`);
  return fannedOut.length ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  // drizzle's "Failed query" keeps the database's own error as its cause.
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause) console.error(`bench: caused by: ${cause instanceof Error ? cause.message : typeof cause === "string" ? cause : inspect(cause)}`);
  process.exitCode = 1;
}
