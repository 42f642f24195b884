// Latency summaries from raw samples (microseconds). Percentiles are nearest-rank on the
// sorted samples: no interpolation, so p99 of 200 samples is a sample that was measured.

export interface Summary {
  samples: number;
  p50_us: number;
  p95_us: number;
  p99_us: number;
  mean_us: number;
  ops_per_s: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Summary of sequential latencies: ops/s is samples over the time they took together. */
export function summarize(samplesUs: readonly number[], opsPerS?: number): Summary {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  const mean = sorted.length ? total / sorted.length : Number.NaN;
  return {
    samples: sorted.length,
    p50_us: round(percentile(sorted, 50)),
    p95_us: round(percentile(sorted, 95)),
    p99_us: round(percentile(sorted, 99)),
    mean_us: round(mean),
    ops_per_s: round(opsPerS ?? (total > 0 ? (sorted.length * 1e6) / total : Number.NaN)),
  };
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
