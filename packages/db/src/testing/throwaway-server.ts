// A PostgreSQL server of a test's own, for fault tests: stopped, killed and restarted at
// will, which the shared server must never be. It runs PostgreSQL 15's binaries from
// /usr/lib/postgresql/15/bin, as user postgres when we are root,
// on a free port, in a temporary folder that remove() deletes.
import { execFile, execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { migrate } from "../migrate";
import { freePort } from "./ports";

const run = promisify(execFile);
const BIN_DIR = "/usr/lib/postgresql/15/bin";
const isRoot = process.getuid?.() === 0;

export interface ThrowawayServer {
  /** the superuser's URL (trust authentication), database `postgres` */
  url: string;
  port: number;
  /** stops it: "fast" ends sessions cleanly, "immediate" is a crash (recovery on start) */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** starts it again on the same port and data */
  start(): Promise<void>;
  /** pg_terminate_backend on every session whose application_name starts with `prefix` */
  terminateBackends(prefix: string): Promise<number>;
  /** stops it (if running) and deletes its folder */
  remove(): Promise<void>;
}

/** initdb, start, and (unless told not to) apply the migrations. */
export async function startThrowawayServer(options: { migrate?: boolean } = {}): Promise<ThrowawayServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pm-pg-"));
  if (isRoot) chownSync(dir, uid("postgres"), gid("postgres"));
  const data = path.join(dir, "data");
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = false;

  const pg = (tool: string, args: string[]) => {
    const [command, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", path.join(BIN_DIR, tool), ...args]] : [path.join(BIN_DIR, tool), args];
    return run(command, argv, { cwd: dir, timeout: 300_000 });
  };
  // If the test process dies without remove(), its server must not outlive it.
  const stopOnExit = () => {
    if (!running) return;
    const argv = [path.join(BIN_DIR, "pg_ctl"), "-D", data, "-m", "immediate", "stop"];
    try {
      execFileSync(isRoot ? "runuser" : argv[0]!, isRoot ? ["-u", "postgres", "--", ...argv] : argv.slice(1), { stdio: "ignore" });
    } catch {
      // already stopped
    }
  };
  process.once("exit", stopOnExit);

  const server: ThrowawayServer = {
    url,
    port,
    async start() {
      const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
      await pg("pg_ctl", ["-D", data, "-o", settings, "-l", path.join(dir, "log"), "-w", "-t", "300", "start"]);
      running = true;
    },
    async stop(mode = "fast") {
      await pg("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "300", "stop"]);
      running = false;
    },
    async terminateBackends(prefix) {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const rows = await admin<{ pid: number }[]>`
          SELECT pid FROM pg_stat_activity
          WHERE application_name LIKE ${`${prefix}%`} AND pid <> pg_backend_pid() AND pg_terminate_backend(pid)`;
        return rows.length;
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
    async remove() {
      process.removeListener("exit", stopOnExit);
      if (running) await server.stop("immediate").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await pg("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8", "--locale=C"]);
    await server.start();
    if (options.migrate ?? true) await migrate(url);
  } catch (error) {
    await server.remove();
    throw error;
  }
  return server;
}

const uid = (user: string) => Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
const gid = (user: string) => Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
