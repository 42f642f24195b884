import type { BatchPlan, LatencyPlan, ThroughputPlan } from "./measure";
import { scaleOf, type Scale } from "./world";

// How much each mode measures. Full is what docs/benchmarks.md records; quick is the CI
// smoke (under a minute per engine): the same code paths, small tables, few samples.

export type Mode = "quick" | "full";

export interface BenchConfig {
  mode: Mode;
  /** the growth scenario's small end; also the scale of the embedded-vs-server comparison */
  small: Scale;
  /** the large end: scenarios 1, 2, 3, 5 run here */
  large: Scale;
  samples: number;
  latency: LatencyPlan;
  /** sets of fresh connections a comparison between two databases is spread over (its rounds) */
  connectionRounds: number;
  /** tenant requests are ~5x a bare read: fewer iterations for the same time */
  request: LatencyPlan;
  throughput: ThroughputPlan & { pool: number };
  bulk: BatchPlan & { rows: number };
  migrateRuns: number;
}

export function configFor(mode: Mode): BenchConfig {
  if (mode === "quick") {
    return {
      mode,
      small: scaleOf(1_000),
      large: scaleOf(20_000),
      samples: 64,
      latency: { warmup: 30, iterations: 210, budgetMs: 2_000, rounds: 3 },
      connectionRounds: 3,
      request: { warmup: 20, iterations: 150, budgetMs: 2_000, rounds: 3 },
      throughput: { callers: 32, pool: 10, sliceMs: 500, rounds: 3 },
      bulk: { rows: 200, batches: 3, budgetMsPerSide: 5_000 },
      migrateRuns: 1,
    };
  }
  return {
    mode,
    small: scaleOf(10_000),
    large: scaleOf(1_000_000),
    samples: 512,
    latency: { warmup: 300, iterations: 3_000, budgetMs: 20_000, rounds: 5 },
    connectionRounds: 8,
    request: { warmup: 200, iterations: 2_000, budgetMs: 25_000, rounds: 5 },
    throughput: { callers: 32, pool: 10, sliceMs: 2_000, rounds: 5 },
    bulk: { rows: 10_000, batches: 10, budgetMsPerSide: 90_000 },
    migrateRuns: 3,
  };
}
