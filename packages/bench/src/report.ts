import fs from "node:fs";
import path from "node:path";
import type { Summary } from "./stats";
import { round } from "./stats";
import type { Scale } from "./world";

// One row per comparison, as printed and as written to bench-results.json. `ratio` is A/B
// of medians: latency for latency rows (lower is better, target_max), ops/s for throughput
// and bulk rows (higher is better, target_min).

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
  ratio: number | null;
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
  const ratio = input.kind === "latency" ? a.p50_us / b.p50_us : a.ops_per_s / b.ops_per_s;
  const result: ScenarioResult = {
    scenario: input.scenario,
    name: input.name,
    engine: input.engine,
    scale: input.scale,
    ratio_of: input.kind === "latency" ? "median latency, A / B" : "ops per second, A / B",
    ratio: round(ratio, 3),
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
  const header = ["#", "scenario", "engine", "A p50 µs", "A p95", "A p99", "A ops/s", "B p50 µs", "B p95", "B p99", "B ops/s", "ratio", "target", "met"];
  const lines = results.flatMap((r) => [main(r), ...(r.breakdown ?? []).map((x) => sub(r, x))]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  console.log(render(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(render(l));
  console.log("\nA is the first side of each row, B its baseline; indented rows are further sides of the same run, against B:");
  for (const r of results) {
    if (r.side && r.baseline) console.log(`  ${r.scenario} ${r.name}:\n      A = ${describe(r.side)}\n      B = ${describe(r.baseline)}`);
    for (const x of r.breakdown ?? []) console.log(`      + ${describe(x)}`);
    if (r.note) console.log(`      (${r.note})`);
    if (r.skipped) console.log(`  ${r.scenario} ${r.name}: skipped, ${r.skipped}`);
  }
}

function main(r: ScenarioResult): string[] {
  if (r.skipped) return [String(r.scenario), r.name, r.engine, ...Array<string>(9).fill(""), "skipped", ""];
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
    target,
    r.met === undefined ? "" : r.met ? "yes" : "NO",
  ];
}

function sub(r: ScenarioResult, x: SideFigures): string[] {
  const ratio = r.ratio_of.startsWith("median") ? x.p50_us / r.baseline!.p50_us : x.ops_per_s / r.baseline!.ops_per_s;
  return ["", `  + ${x.side}`, "", fmt(x.p50_us), fmt(x.p95_us), fmt(x.p99_us), fmt(x.ops_per_s), "", "", "", "", ratio.toFixed(2), "", ""];
}

function describe(x: SideFigures): string {
  const label = `${x.side}: ${x.description}`;
  return x.round_trips === undefined ? label : `${label} [${x.round_trips} round trip${x.round_trips === 1 ? "" : "s"}]`;
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
