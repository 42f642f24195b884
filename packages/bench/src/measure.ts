import { median, round, summarize, type Summary } from "./stats";

// The two ways a comparison is run. Both interleave the sides (A, B, B, A, ...) after a
// warm-up of each, so drift on a noisy machine (other jobs, CPU frequency, autovacuum)
// lands on both sides alike and the ratio stays meaningful even when absolute figures move.

export interface Side {
  /** what this side is, for the report ("data layer: findUserById") */
  label: string;
  /** the timed work for iteration i */
  run(i: number): Promise<unknown>;
  /** untimed preparation before iteration i (setting a session's context, say) */
  before?(i: number): Promise<unknown>;
  /** untimed clean-up after iteration i */
  after?(i: number): Promise<unknown>;
}

export interface LatencyPlan {
  warmup: number;
  iterations: number;
  /** stop early (with fewer samples) once this much time has gone */
  budgetMs: number;
  /**
   * Rounds the iterations (and the time budget) are split into, one after another: each
   * side's median is taken per round too, and a row's verdict is the median of its rounds'
   * ratios, so one stretch of noise moves one round, not the verdict.
   */
  rounds: number;
}

/**
 * Sequential calls, A then B (then C...: extra sides break a comparison down), each timed
 * alone. Side k of n is handed index i * n + k at iteration i, so no side reads the rows
 * another has just read: those would still be in the CPU's and the server's caches, and
 * whichever side ran second would look faster for it (measured: 1.19x one way round,
 * 1.03x the other, for the same pair at 1,000,000 memberships). The order turns each
 * iteration (A B, B A, ...), so no side always runs right after another: a fixed order
 * moved point reads' ratios by up to 0.2 from run to run. Returns one summary per side.
 */
export async function compareLatency(sides: Side[], plan: LatencyPlan): Promise<Summary[]> {
  return (await latencyRounds(sides, plan)).map((rounds) => summarize(rounds));
}

export interface OpenedSides {
  sides: Side[];
  close(): Promise<void>;
}

/**
 * compareLatency with each round on a fresh set of connections (`open` makes one). For
 * comparisons whose sides cannot share a connection (two databases): which server process
 * lands on which of the machine's two cores moved a point read between 59 and 120 µs from
 * one run to the next, and with one connection a side that placement held for the whole run.
 */
export async function compareLatencyInRounds(open: () => OpenedSides, plan: LatencyPlan): Promise<Summary[]> {
  const bySide: number[][][] = [];
  const oneRound: LatencyPlan = { ...perRound(plan), warmup: Math.ceil(plan.warmup / plan.rounds), rounds: 1 };
  for (let r = 0; r < plan.rounds; r++) {
    const opened = open();
    try {
      (await latencyRounds(opened.sides, oneRound)).forEach((rounds, k) => (bySide[k] ??= []).push(rounds[0]!));
    } finally {
      await opened.close();
    }
  }
  return bySide.map((rounds) => summarize(rounds));
}

/** Each side's samples, round by round (side → round → samples). */
async function latencyRounds(sides: Side[], plan: LatencyPlan): Promise<number[][][]> {
  const n = sides.length;
  // A and B, the sides a row's ratio divides, trade places every iteration (A B C.., B A C..);
  // breakdown sides follow in their order. Each of A and B is then preceded as often by the
  // other as by the last breakdown side. A rotation of all sides (A B C, B C A, C A B) put C
  // before A twice as often as before B, and what ran just before a read moved it: on one
  // connection, a read right after the unprepared side's took ~10% longer (scenario 1, "my
  // tenants": 1.03–1.18 rotated, 1.01–1.02 with A and B trading places; docs/benchmarks.md).
  const straight = sides.map((_, k) => k);
  const swapped = n < 2 ? straight : [1, 0, ...straight.slice(2)];
  const turn = (i: number) => (i % 2 === 0 ? straight : swapped);
  for (let i = 0; i < plan.warmup; i++) {
    for (const k of turn(i)) await once(sides[k]!, i * n + k);
  }
  const samples = sides.map((): number[][] => []);
  const round = perRound(plan);
  let i = 0;
  for (let r = 0; r < plan.rounds; r++) {
    const deadline = performance.now() + round.budgetMs;
    for (const s of samples) s.push([]);
    for (let j = 0; j < round.iterations && (j < 10 || performance.now() < deadline); j++, i++) {
      for (const k of turn(i)) samples[k]![r]!.push(await once(sides[k]!, (plan.warmup + i) * n + k));
    }
  }
  return samples;
}

function perRound(plan: LatencyPlan): { iterations: number; budgetMs: number } {
  return { iterations: Math.ceil(plan.iterations / plan.rounds), budgetMs: plan.budgetMs / plan.rounds };
}

async function once(side: Side, i: number): Promise<number> {
  await side.before?.(i);
  const start = process.hrtime.bigint();
  await side.run(i);
  const us = Number(process.hrtime.bigint() - start) / 1000;
  await side.after?.(i);
  return us;
}

export interface ThroughputPlan {
  callers: number;
  /** length of one slice of one side */
  sliceMs: number;
  /** slices per side, after one warm-up slice each */
  rounds: number;
}

/**
 * `callers` concurrent loops for a slice of A, then a slice of B (then C...), and so on. Each
 * turn of the sides is a round; each side's ops/s is the median over its slices, latencies
 * pooled from all. A slice runs one side alone, so the bench process's CPU time in it is that
 * side's: on a machine whose cores the client shares with the server, what the client spends
 * per operation is what the server cannot have.
 */
export async function compareThroughput(sides: Side[], plan: ThroughputPlan): Promise<Summary[]> {
  for (const side of sides) await slice(side, plan);
  const runs = sides.map((): SliceResult[] => []);
  for (let r = 0; r < plan.rounds; r++) {
    for (const [k, side] of sides.entries()) runs[k]!.push(await slice(side, plan));
  }
  return runs.map(pool);
}

interface SliceResult {
  latenciesUs: number[];
  opsPerS: number;
  /** this process's CPU time (user + system) per operation */
  clientCpuUs: number;
}

async function slice(side: Side, plan: ThroughputPlan): Promise<SliceResult> {
  const latenciesUs: number[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + plan.sliceMs;
  let next = 0;
  const caller = async () => {
    while (performance.now() < deadline) {
      latenciesUs.push(await once(side, next++));
    }
  };
  await Promise.all(Array.from({ length: plan.callers }, caller));
  const elapsedS = (performance.now() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return { latenciesUs, opsPerS: latenciesUs.length / elapsedS, clientCpuUs: (user + system) / latenciesUs.length };
}

function pool(runs: SliceResult[]): Summary {
  return {
    ...summarize(
      runs.map((r) => r.latenciesUs),
      runs.map((r) => r.opsPerS),
    ),
    client_cpu_us: round(median(runs.map((r) => r.clientCpuUs))),
  };
}

export interface BatchPlan {
  /** batches per side */
  batches: number;
  /** a side that has spent this long takes no more batches (the others go on) */
  budgetMsPerSide: number;
}

export interface BatchSide extends Side {
  /** rows one batch writes */
  rows: number;
}

/**
 * Bulk work: batch i of each side in turn. Each sample is one batch's time and each batch a
 * round; ops/s is the median over batches of rows per second. Every side runs at least one batch.
 */
export async function compareBatches(sides: BatchSide[], plan: BatchPlan): Promise<Summary[]> {
  const times = sides.map((): number[] => []);
  const spentMs = sides.map(() => 0);
  for (let i = 0; i < plan.batches; i++) {
    for (const [k, side] of sides.entries()) {
      if (i > 0 && spentMs[k]! >= plan.budgetMsPerSide) continue;
      const us = await once(side, i);
      times[k]!.push(us);
      spentMs[k]! += us / 1000;
    }
  }
  return sides.map((side, k) =>
    summarize(
      times[k]!.map((us) => [us]),
      times[k]!.map((us) => (side.rows * 1e6) / us),
    ),
  );
}
