// Latency summaries from raw samples (microseconds). Percentiles are nearest-rank on the
// sorted samples: no interpolation, so p99 of 200 samples is a sample that was measured.

export interface Summary {
  samples: number;
  p50_us: number;
  p95_us: number;
  p99_us: number;
  mean_us: number;
  ops_per_s: number;
  /**
   * The same side's figures in each round of the comparison, in order: a round is a share of
   * the iterations (or a set of fresh connections, a throughput slice, a bulk batch). Row
   * verdicts are taken on the ratio of each round, not on the pooled figures (report.ts).
   */
  rounds: RoundFigures[];
  /** throughput only: the bench process's CPU time per operation, median over the slices */
  client_cpu_us?: number;
}

export interface RoundFigures {
  samples: number;
  p50_us: number;
  ops_per_s: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Summary of sequential latencies, pooled over rounds (each round's samples, and optionally
 * its own ops/s; by default ops/s is samples over the time they took together).
 */
export function summarize(rounds: readonly (readonly number[])[], roundOpsPerS?: readonly number[]): Summary {
  const perRound = rounds.map((samples, r): RoundFigures => {
    const sorted = [...samples].sort((a, b) => a - b);
    return { samples: sorted.length, p50_us: round(percentile(sorted, 50)), ops_per_s: round(roundOpsPerS?.[r] ?? opsOf(sorted)) };
  });
  const sorted = rounds.flat().sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  return {
    samples: sorted.length,
    p50_us: round(percentile(sorted, 50)),
    p95_us: round(percentile(sorted, 95)),
    p99_us: round(percentile(sorted, 99)),
    mean_us: round(sorted.length ? total / sorted.length : Number.NaN),
    ops_per_s: round(roundOpsPerS ? median(roundOpsPerS) : opsOf(sorted)),
    rounds: perRound,
  };
}

function opsOf(samplesUs: readonly number[]): number {
  const total = samplesUs.reduce((sum, x) => sum + x, 0);
  return total > 0 ? (samplesUs.length * 1e6) / total : Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
