import fs from "node:fs";
import path from "node:path";
import type { Summary } from "./stats";
import { median, round } from "./stats";
import type { Scale } from "./world";

// One row per comparison, as printed and as written to bench-results.json. A comparison runs
// in rounds (measure.ts); each round gives a ratio A/B: of median latencies for latency rows
// (lower is better, target_max), of ops/s for throughput and bulk rows (higher is better,
// target_min). `ratio`, and the verdict `met`, is the median of the rounds' ratios; the
// spread is their lowest and highest. One noisy stretch moves one round, not the verdict.

export interface SideFigures extends Summary {
  /** a short name for the side */
  side: string;
  /** what exactly it runs */
  description: string;
  /** network round trips per call, counted outside the timed run */
  round_trips?: number;
}

export interface ScenarioResult {
  scenario: number;
  name: string;
  engine: string;
  scale?: Scale | undefined;
  /** what the ratio divides */
  ratio_of: string;
  /** the median of the rounds' ratios: the row's figure and verdict */
  ratio: number | null;
  /** each round's ratio, in order */
  ratio_rounds?: number[];
  /** the lowest and highest of the rounds' ratios */
  ratio_spread?: [number, number];
  /** A/B of the figures pooled over all rounds (for comparison with runs before rounds) */
  ratio_pooled?: number;
  target_max?: number;
  target_min?: number;
  /** whether the ratio meets the target; absent when there is no target */
  met?: boolean;
  p50_us?: number;
  p95_us?: number;
  p99_us?: number;
  ops_per_s?: number;
  side?: SideFigures;
  baseline?: SideFigures;
  /** further sides measured in the same interleaved run, to say where the difference goes */
  breakdown?: SideFigures[];
  plans?: Record<string, string>;
  same_plan_shape?: boolean;
  /** sequential scans in the plan of side A (at scale, a cost that grows with n) */
  seq_scans?: string[];
  sql?: Record<string, string>;
  skipped?: string;
  note?: string;
  /** scenario 9: the Citus plan of a single-tenant request goes to one shard (Task Count: 1) */
  router_plan?: boolean;
  /** the machine's 1-minute load average when the scenario started and ended */
  load?: { start: number; end: number };
}

export interface RowInput {
  scenario: number;
  name: string;
  engine: string;
  scale?: Scale | undefined;
  a: SideFigures;
  b: SideFigures;
  breakdown?: SideFigures[];
  /** "latency": ratio of p50 latencies; "throughput": ratio of ops/s */
  kind: "latency" | "throughput";
  target?: { max: number } | { min: number };
  note?: string;
}

export function row(input: RowInput): ScenarioResult {
  const { a, b } = input;
  const rounds = roundRatios(a, b, input.kind);
  const pooled = input.kind === "latency" ? a.p50_us / b.p50_us : a.ops_per_s / b.ops_per_s;
  const ratio = rounds.length > 0 ? median(rounds) : pooled;
  const result: ScenarioResult = {
    scenario: input.scenario,
    name: input.name,
    engine: input.engine,
    scale: input.scale,
    ratio_of: input.kind === "latency" ? "median over rounds of A / B median latency" : "median over rounds of A / B ops per second",
    ratio: round(ratio, 3),
    ...(rounds.length > 0
      ? { ratio_rounds: rounds.map((r) => round(r, 3)), ratio_spread: [round(Math.min(...rounds), 3), round(Math.max(...rounds), 3)] as [number, number] }
      : {}),
    ratio_pooled: round(pooled, 3),
    p50_us: a.p50_us,
    p95_us: a.p95_us,
    p99_us: a.p99_us,
    ops_per_s: a.ops_per_s,
    side: a,
    baseline: b,
  };
  if (input.breakdown?.length) result.breakdown = input.breakdown;
  if (input.target && "max" in input.target) {
    result.target_max = input.target.max;
    result.met = ratio <= input.target.max;
  } else if (input.target) {
    result.target_min = input.target.min;
    result.met = ratio >= input.target.min;
  }
  if (input.note) result.note = input.note;
  return result;
}

/** A/B round by round, over the rounds both sides ran (a bulk side over its budget runs fewer). */
function roundRatios(a: Summary, b: Summary, kind: "latency" | "throughput"): number[] {
  const n = Math.min(a.rounds.length, b.rounds.length);
  return Array.from({ length: n }, (_, r) =>
    kind === "latency" ? a.rounds[r]!.p50_us / b.rounds[r]!.p50_us : a.rounds[r]!.ops_per_s / b.rounds[r]!.ops_per_s,
  ).filter((x) => Number.isFinite(x));
}

/** A side's figures, as "short name: what it runs", with its round trips when they were counted. */
export function figures(label: string, summary: Summary, roundTrips?: number): SideFigures {
  const cut = label.indexOf(": ");
  const side = cut < 0 ? label : label.slice(0, cut);
  const description = cut < 0 ? label : label.slice(cut + 2);
  return { side, description, ...summary, ...(roundTrips === undefined ? {} : { round_trips: roundTrips }) };
}

export function skipped(scenario: number, name: string, engine: string, reason: string): ScenarioResult {
  return { scenario, name, engine, ratio_of: "", ratio: null, skipped: reason };
}

export function printTable(results: ScenarioResult[]): void {
  const header = [
    "#",
    "scenario",
    "engine",
    "A p50 µs",
    "A p95",
    "A p99",
    "A ops/s",
    "B p50 µs",
    "B p95",
    "B p99",
    "B ops/s",
    "ratio",
    "rounds",
    "target",
    "met",
  ];
  const lines = results.flatMap((r) => [main(r), ...(r.breakdown ?? []).map((x) => sub(r, x))]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  console.log(render(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(render(l));
  console.log("\nratio: the median of the rounds' A/B; rounds: their lowest and highest (and how many).");
  console.log("A is the first side of each row, B its baseline; indented rows are further sides of the same run, against B:");
  for (const r of results) {
    if (r.side && r.baseline) console.log(`  ${r.scenario} ${r.name}:\n      A = ${describe(r.side)}\n      B = ${describe(r.baseline)}`);
    for (const x of r.breakdown ?? []) console.log(`      + ${describe(x)}`);
    if (r.note) console.log(`      (${r.note})`);
    if (r.skipped) console.log(`  ${r.scenario} ${r.name}: skipped, ${r.skipped}`);
  }
}

function main(r: ScenarioResult): string[] {
  if (r.skipped) return [String(r.scenario), r.name, r.engine, ...Array<string>(10).fill(""), "skipped", ""];
  const target = r.target_max !== undefined ? `<= ${r.target_max}` : r.target_min !== undefined ? `>= ${r.target_min}` : "report";
  return [
    String(r.scenario),
    r.name,
    r.engine,
    fmt(r.side?.p50_us),
    fmt(r.side?.p95_us),
    fmt(r.side?.p99_us),
    fmt(r.side?.ops_per_s),
    fmt(r.baseline?.p50_us),
    fmt(r.baseline?.p95_us),
    fmt(r.baseline?.p99_us),
    fmt(r.baseline?.ops_per_s),
    r.ratio === null ? "" : r.ratio.toFixed(2),
    spread(r.ratio_rounds),
    target,
    r.met === undefined ? "" : r.met ? "yes" : "NO",
  ];
}

function sub(r: ScenarioResult, x: SideFigures): string[] {
  const kind = r.ratio_of.includes("latency") ? "latency" : "throughput";
  const rounds = roundRatios(x, r.baseline!, kind);
  const ratio = rounds.length > 0 ? median(rounds) : Number.NaN;
  return ["", `  + ${x.side}`, "", fmt(x.p50_us), fmt(x.p95_us), fmt(x.p99_us), fmt(x.ops_per_s), "", "", "", "", ratio.toFixed(2), spread(rounds), "", ""];
}

function spread(rounds: number[] | undefined): string {
  if (!rounds?.length) return "";
  return `${Math.min(...rounds).toFixed(2)}–${Math.max(...rounds).toFixed(2)} (${rounds.length})`;
}

function describe(x: SideFigures): string {
  const label = `${x.side}: ${x.description}`;
  const trips = x.round_trips === undefined ? "" : ` [${x.round_trips} round trip${x.round_trips === 1 ? "" : "s"}]`;
  const cpu = x.client_cpu_us === undefined ? "" : ` [client CPU ${fmt(x.client_cpu_us)} µs/op]`;
  return `${label}${trips}${cpu}`;
}

export function printPlans(results: ScenarioResult[]): void {
  for (const r of results) {
    if (!r.plans) continue;
    const shape = r.same_plan_shape === undefined ? "" : `; same plan shape: ${r.same_plan_shape ? "yes" : "no"}`;
    const scans = r.seq_scans === undefined ? "" : `; seq scans in A's plan: ${r.seq_scans.length ? r.seq_scans.join(", ") : "none"}`;
    console.log(`\n== plans: ${r.scenario} ${r.name}${shape}${scans}`);
    for (const [label, plan] of Object.entries(r.plans)) console.log(`-- ${label}\n${plan}`);
  }
}

export function writeJson(file: string, report: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** The monorepo root (where pnpm-workspace.yaml is), from the working directory up. */
export function repoRoot(): string {
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, "pnpm-workspace.yaml"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "";
  return x >= 1000 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1);
}
