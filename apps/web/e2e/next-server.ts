import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

// The built app under `next start` (or the sources under `next dev`), in a process group of
// its own (stopping it stops everything it started), its output in test-results/<name>.log.

export const appDir = fileURLToPath(new URL("..", import.meta.url));
export const resultsDir = path.join(appDir, "test-results");

export interface NextServer {
  process: ChildProcess;
  baseURL: string;
  log: string;
}

export function startNext(name: string, port: number, env: Record<string, string | undefined>, command: "start" | "dev" = "start"): NextServer {
  if (command === "start" && !fs.existsSync(path.join(appDir, ".next", "BUILD_ID"))) throw new Error("no build in apps/web/.next: run `next build` first");
  fs.mkdirSync(resultsDir, { recursive: true });
  // `next start` and `next dev` set NODE_ENV themselves; a test may still pass one on purpose.
  const childEnv: Record<string, string | undefined> = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  delete childEnv.NODE_ENV;
  Object.assign(childEnv, env);
  const log = path.join(resultsDir, `${name}.log`);
  const out = fs.openSync(log, "w");
  const child = spawn(path.join(appDir, "node_modules", ".bin", "next"), [command, "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: appDir,
    env: childEnv as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", out, out],
  });
  return { process: child, baseURL: `http://127.0.0.1:${port}`, log };
}

/** Polls `path` until it answers `ok(status)`; fails if the server exits first. */
export async function waitFor(server: NextServer, urlPath: string, ok: (status: number) => boolean): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (server.process.exitCode !== null) throw new Error(`next exited with ${server.process.exitCode}; see ${server.log}`);
    try {
      if (ok((await fetch(`${server.baseURL}${urlPath}`)).status)) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${server.baseURL}${urlPath} never answered as expected; see ${server.log}`);
}

export function exited(server: NextServer): Promise<number | null> {
  if (server.process.exitCode !== null) return Promise.resolve(server.process.exitCode);
  return new Promise((resolve) => server.process.once("exit", (code) => resolve(code)));
}

export async function stopNext(server: NextServer | undefined): Promise<void> {
  if (!server?.process.pid || server.process.exitCode !== null) return;
  const done = exited(server);
  process.kill(-server.process.pid, "SIGTERM");
  await done;
}
