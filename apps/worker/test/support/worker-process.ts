import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

// The worker as production runs it: its own process (node --import tsx src/main.ts), its
// JSON log lines collected as they come.

export const workerDir = fileURLToPath(new URL("../..", import.meta.url));

export interface LogLine {
  level: string;
  event?: string;
  job?: string;
  msg?: string;
  [key: string]: unknown;
}

export interface WorkerEnv {
  /** "" means none: the embedded engine under PGLITE_DATA_DIR */
  DATABASE_URL: string;
  PGLITE_DATA_DIR?: string;
  RETENTION_DAYS?: string;
  PURGE_BATCH_SIZE?: string;
  PURGE_INTERVAL_SECONDS?: string;
  LOG_LEVEL?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Generous: a worker's start (tsx, the db package) takes many seconds on a loaded machine.
const DEFAULT_WAIT_MS = 120_000;

export class WorkerProcess {
  readonly lines: LogLine[] = [];
  /** stdout lines that were not JSON: there should be none */
  readonly strayOutput: string[] = [];
  stderr = "";
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly listeners = new Set<() => void>();
  private finished: Exit | undefined;

  /**
   * With `throughParent`, the worker is the child of a small launcher process (as under
   * pnpm): signals and kills then go to the launcher, which passes none on.
   */
  constructor(args: string[], env: WorkerEnv, options: { throughParent?: boolean } = {}) {
    // Hermetic: the test's settings, never the developer's shell's.
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      RETENTION_DAYS: "30",
      PURGE_BATCH_SIZE: "1000",
      PURGE_INTERVAL_SECONDS: "3600",
      LOG_LEVEL: "info",
      ...env,
    };
    delete childEnv.DATABASE_MIGRATION_URL;
    const command = ["--import", "tsx", "src/main.ts", ...args];
    const launcher = `require("node:child_process").spawn(process.execPath, ${JSON.stringify(command)}, { stdio: "inherit" }); setInterval(() => {}, 1 << 30);`;
    this.child = spawn(process.execPath, options.throughParent ? ["-e", launcher] : command, { cwd: workerDir, env: childEnv });
    let pending = "";
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      const complete = pending.split("\n");
      pending = complete.pop() ?? "";
      for (const text of complete) this.take(text);
    });
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code, signal) => {
        if (pending) this.take(pending);
        this.finished = { code, signal };
        this.notify();
        resolve(this.finished);
      });
    });
  }

  get running(): boolean {
    return this.finished === undefined;
  }

  get stdout(): string {
    return this.lines
      .map((line) => JSON.stringify(line))
      .concat(this.strayOutput)
      .join("\n");
  }

  events(event: string): LogLine[] {
    return this.lines.filter((line) => line.event === event);
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** The first line (already seen or still to come) that matches; bounded, fails on exit. */
  waitFor(match: (line: LogLine) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<LogLine> {
    return this.until(() => this.lines.find(match), what, timeoutMs);
  }

  /** Waits until `count` lines of `event` have been logged. */
  async waitForEvents(event: string, count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<LogLine[]> {
    return this.until(() => (this.events(event).length >= count ? this.events(event) : undefined), `${count} × ${event}`, timeoutMs);
  }

  /** Waits for the process to exit, killing it if it has not within the bound. */
  async waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<Exit> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private until<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found !== undefined) return settle(() => resolve(found));
        if (this.finished) settle(() => reject(new Error(`worker exited (${JSON.stringify(this.finished)}) before ${what}\n${this.stdout}\n${this.stderr}`)));
      };
      const timer = setTimeout(() => settle(() => reject(new Error(`no ${what} within ${timeoutMs} ms\n${this.stdout}\n${this.stderr}`))), timeoutMs);
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        finish();
      };
      this.listeners.add(check);
      check();
    });
  }

  private take(text: string): void {
    if (!text.trim()) return;
    try {
      this.lines.push(JSON.parse(text) as LogLine);
    } catch {
      this.strayOutput.push(text);
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Runs the worker to completion (bounded). */
export async function runWorker(args: string[], env: WorkerEnv): Promise<WorkerProcess & { exit: Exit }> {
  const worker = new WorkerProcess(args, env);
  const exit = await worker.waitForExit();
  return Object.assign(worker, { exit });
}

/** Every worker started by a test file, killed when it is done if still running. */
export function trackWorkers() {
  const started: WorkerProcess[] = [];
  return {
    start(args: string[], env: WorkerEnv, options: { throughParent?: boolean } = {}): WorkerProcess {
      const worker = new WorkerProcess(args, env, options);
      started.push(worker);
      return worker;
    },
    async stopAll(): Promise<void> {
      for (const worker of started.splice(0)) {
        if (worker.running) worker.kill("SIGKILL");
        await worker.exited.catch(() => undefined);
      }
    },
  };
}
