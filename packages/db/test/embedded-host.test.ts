import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsxCommand } from "./support/cli";

// Hosting the persistent embedded database across real processes, whatever DATABASE_URL
// says (only the embedded engine has a host). Each starter is a separate process, as
// `pnpm dev`, `db:migrate` and the apps are.

interface Report {
  hosted: boolean;
  url: string;
  pid: number;
}

interface Starter {
  child: ChildProcess;
  /** resolves when the process has loaded and waits for "go" */
  loaded: Promise<void>;
  report: Promise<Report>;
  /** rows the database acknowledged to this starter (writers only) */
  acked: number[];
  exited: Promise<void>;
}

// Each starter is a Node process that loads PGlite: on a loaded 2-core machine, minutes.
const SLOW_MS = 600_000;

let root: string;
let dataDir: string;
const running = new Set<ChildProcess>();

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "penguinmails-host-"));
  dataDir = path.join(root, "pglite");
});

afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
  fs.rmSync(root, { recursive: true, force: true });
});

function start(mode: "host-or-join" | "writer", first: number): Starter {
  const [command, ...args] = tsxCommand("test/support/embedded-starter.ts");
  const child = spawn(command!, [...args, mode, dataDir, String(first)], { stdio: ["pipe", "pipe", "pipe"] });
  running.add(child);
  const acked: number[] = [];
  let markLoaded = () => {};
  const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
  let stdout = "";
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => {
    running.delete(child);
    markLoaded(); // its report says why
  });
  child.stdin.on("error", () => {}); // a starter that died cannot be told to go
  const report = new Promise<Report>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const lines = stdout.split("\n");
      stdout = lines.pop()!;
      for (const line of lines) {
        if (line === "loaded") markLoaded();
        else if (line.startsWith("{")) resolve(JSON.parse(line) as Report);
        else if (line.startsWith("ack ")) acked.push(Number(line.slice(4)));
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    void exited.then(() => reject(new Error(`starter exited before reporting: ${stderr}`)));
  });
  return { child, loaded, report, acked, exited };
}

/** Starts processes, and lets them all go at once when each has loaded. */
async function startTogether(count: number, mode: "host-or-join" | "writer" = "host-or-join", first = 0): Promise<Starter[]> {
  const starters = Array.from({ length: count }, (_, i) => start(mode, first + i * 1_000_000));
  await Promise.all(starters.map((starter) => starter.loaded));
  for (const starter of starters) starter.child.stdin!.write("go\n");
  return starters;
}

async function stopAll(starters: Starter[], signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  for (const starter of starters) starter.child.kill(signal);
  await Promise.all(starters.map((starter) => starter.exited));
}

/** Starts `count` starters at once; checks exactly one hosts and all reach it. */
async function race(count: number): Promise<Starter[]> {
  const starters = await startTogether(count);
  const reports = await Promise.all(starters.map((starter) => starter.report));
  expect(reports.filter((report) => report.hosted)).toHaveLength(1);
  expect(new Set(reports.map((report) => report.url)).size).toBe(1);
  const sql = postgres(reports[0]!.url, { max: 1, onnotice: () => {} });
  try {
    expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  } finally {
    await sql.end();
  }
  return starters;
}

/** A pid that belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("one host per embedded data directory", () => {
  // `.data/pglite.lock` is what earlier versions judged; whatever it holds must not matter.
  // [what is left, its content (undefined: no file), rounds: a race that two hosts can win is retried]
  const leftovers: [string, (() => Promise<string>) | undefined, number][] = [
    ["no lock file, on a directory not created yet", undefined, 1],
    ["a lock naming a dead pid", async () => JSON.stringify({ pid: await deadPid(), port: 1 }), 4],
    ["an empty lock file", () => Promise.resolve(""), 1],
    ["a corrupt lock file", () => Promise.resolve('{"pid": 12'), 1],
    ["a lock naming a live unrelated process (a reused pid)", () => Promise.resolve(JSON.stringify({ pid: process.pid, port: 1 })), 1],
  ];

  // Up to 4 rounds: took 450 s at load 120-160 on 2 cores.
  it.each(leftovers)("4 starters racing with %s: one hosts, all connect", { timeout: 2 * SLOW_MS }, async (_what, content, rounds) => {
    for (let round = 0; round < rounds; round++) {
      const lockPath = `${dataDir}.lock`;
      if (content) fs.writeFileSync(lockPath, await content());
      else fs.rmSync(lockPath, { force: true });
      await stopAll(await race(4));
    }
  });

  it("a SIGKILLed host is replaced by one new host, and every acknowledged row is there", { timeout: SLOW_MS }, async () => {
    const [hostStarter] = await race(1);
    const { url } = await hostStarter!.report;
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql`CREATE TABLE IF NOT EXISTS acked (n int PRIMARY KEY)`;
    await sql.end();

    const writers = await startTogether(2, "writer", 1_000_000);
    for (const writer of writers) expect((await writer.report).hosted).toBe(false);
    await expect.poll(() => writers.every((writer) => writer.acked.length >= 100), { timeout: SLOW_MS / 2, interval: 100 }).toBe(true);
    await stopAll([hostStarter!], "SIGKILL");
    await stopAll(writers, "SIGKILL");
    const acked = writers.flatMap((writer) => writer.acked);

    const successors = await race(3);
    const after = postgres((await successors[0]!.report).url, { max: 1, onnotice: () => {} });
    try {
      const rows = await after<{ n: number }[]>`SELECT n FROM acked`;
      const present = new Set(rows.map((row) => row.n));
      expect(acked.filter((n) => !present.has(n))).toEqual([]);
    } finally {
      await after.end();
    }
    await stopAll(successors);
  });
});
