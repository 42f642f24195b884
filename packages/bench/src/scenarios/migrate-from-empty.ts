import { spawn } from "node:child_process";
import { migrate } from "@penguinmails/db";
import { openDatabase, Resources, type BenchDatabase } from "../databases";
import { childEnv } from "../env";
import { compareLatency, type Side } from "../measure";
import { figures, repoRoot, row, type ScenarioResult } from "../report";
import type { BenchRun } from "./context";

// Scenario 8: the wall time of `pnpm db:migrate` (turbo, then the db package's CLI) on an
// empty database, against migrate() called in this process, which is the SQL alone; the
// package script without turbo is measured alongside. Each call gets a new empty database.

export async function migrateFromEmpty(run: BenchRun): Promise<ScenarioResult[]> {
  const resources = new Resources();
  try {
    const root = repoRoot();
    const side = (label: string, work: (url: string) => Promise<unknown>): Side => {
      let database: BenchDatabase | undefined;
      return {
        label,
        before: async () => (database = await openDatabase(resources, { migrate: false })),
        run: () => work(database!.url),
        after: () => database!.drop(),
      };
    };
    // Quick mode leaves out the breakdown: on the embedded engine every database is an engine boot.
    const full = run.config.mode === "full";
    const [a, b, c] = await compareLatency(
      [
        side("pnpm db:migrate", (url) => command("pnpm", ["db:migrate"], root, url)),
        side("migrate()", (url) => migrate(url)),
        ...(full ? [side("pnpm --filter", (url) => command("pnpm", ["--filter", "@penguinmails/db", "db:migrate"], root, url))] : []),
      ],
      { warmup: 0, iterations: run.config.migrateRuns, budgetMs: 120_000, rounds: run.config.migrateRuns },
    );
    return [
      row({
        scenario: 8,
        name: "migrate from empty",
        engine: run.engine,
        a: figures("pnpm db:migrate: at the repo root (turbo, pnpm, tsx, the migrate CLI)", a!),
        b: figures("migrate(): the migrations in this process, no process start-up", b!),
        ...(c ? { breakdown: [figures("pnpm --filter @penguinmails/db db:migrate: the package script without turbo", c)] } : {}),
        kind: "latency",
        note: `wall time, ${run.config.migrateRuns} run(s) each, a new empty database every time`,
      }),
    ];
  } finally {
    await resources.closeAll();
  }
}

function command(cmd: string, args: string[], cwd: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: childEnv({ DATABASE_MIGRATION_URL: url, DATABASE_URL: url, TURBO_TELEMETRY_DISABLED: "1" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0 && /db:migrate: applied/.test(output)) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${output.slice(-2000)}`));
    });
  });
}
