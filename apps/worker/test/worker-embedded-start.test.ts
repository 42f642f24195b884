import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, migrate, type Connection } from "@penguinmails/db";
import { afterEach, describe, expect, it } from "vitest";
import { trackWorkers, type WorkerProcess } from "./support/worker-process";

// `pnpm dev` starts the worker beside the db package's dev task, which migrates the embedded
// database: the worker may find (or host) the engine before its tables exist. It waits for
// the migrations without a word, and warns only when none come (nobody is migrating).
// Real processes on a real embedded engine of the test's own (PGLITE_DATA_DIR).

const workers = trackWorkers();
const dirs: string[] = [];
const clients: Connection[] = [];
afterEach(async () => {
  await workers.stopAll();
  for (const client of clients.splice(0)) await client.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-worker-embedded-"));
  dirs.push(dir);
  return path.join(dir, "pglite");
}

/** The embedded engine the worker hosts, joined as `db:migrate` would join it. */
async function joinEngine(dataDir: string): Promise<Connection> {
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    DATABASE_MIGRATION_URL: process.env.DATABASE_MIGRATION_URL,
    PGLITE_DATA_DIR: process.env.PGLITE_DATA_DIR,
  };
  delete process.env.DATABASE_URL;
  delete process.env.DATABASE_MIGRATION_URL;
  process.env.PGLITE_DATA_DIR = dataDir;
  try {
    const client = await connect({ max: 1 });
    clients.push(client);
    return client;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

const complaints = (worker: WorkerProcess) => worker.lines.filter((line) => ["warn", "error", "fatal"].includes(line.level));

describe("the worker on an embedded database that is not migrated yet", () => {
  it("waits quietly for the migrations, then runs its jobs (a normal first start of pnpm dev)", async () => {
    const dataDir = freshDataDir();
    // A fresh directory: whichever of the worker and this test hosts the engine, it answers
    // before any table exists, as under pnpm dev before the db task's migrations.
    const worker = workers.start([], { DATABASE_URL: "", PGLITE_DATA_DIR: dataDir, PURGE_INTERVAL_SECONDS: "3600" });
    const engine = await joinEngine(dataDir);
    expect(engine.engine).toBe("embedded");
    await sleep(3_000); // long enough for a job run that would fail on the missing tables
    expect(worker.events("job.finished")).toEqual([]);
    expect(complaints(worker)).toEqual([]);

    const { applied } = await migrate(engine.url);
    expect(applied.length).toBeGreaterThan(0);
    await worker.waitFor((line) => line.event === "job.finished", "a first run after the migrations");
    expect(complaints(worker)).toEqual([]);
    expect(worker.strayOutput).toEqual([]);

    worker.kill("SIGINT");
    expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it("warns when no migrations come, and still stops cleanly", async () => {
    const dataDir = freshDataDir();
    const worker = workers.start([], { DATABASE_URL: "", PGLITE_DATA_DIR: dataDir, PURGE_INTERVAL_SECONDS: "3600" });
    const warning = await worker.waitFor((line) => line.event === "database.unmigrated", "the unmigrated warning", 180_000);
    expect(warning).toMatchObject({ level: "warn" });
    expect(warning.pending).toEqual(expect.arrayContaining(["0000_initial_tables"]));
    expect(worker.events("job.failed")).toEqual([]);

    worker.kill("SIGINT");
    expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
  });
});
