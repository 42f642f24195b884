import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

// Who hosts a data directory is decided by the operating system, not by files we judge:
// the host listens on a local socket name derived from the directory. The kernel grants
// a name to one listener at a time and frees it the moment that process dies, however it
// dies (SIGKILL included), so there is never a stale lock to detect or break. The same
// socket is where waiting starters ask the host for its wire server's port.
//
// - Linux: an abstract Unix socket ("\0name"): no file, gone with its process.
// - Windows: a named pipe, which libuv creates as the first and only instance.
// - macOS and other Unix: a socket file in the temp folder, guarded by an exclusive
//   flock taken at open (O_EXLOCK) on `<dataDir>.lock`, which the kernel also drops when
//   the process dies; only the flock's holder removes and binds the socket file.

const O_EXLOCK = 0x20; // BSD/macOS <fcntl.h>

export interface HostLock {
  /** From now on, waiting starters are told this port (those already waiting included). */
  ready(port: number): void;
  /** Gives the data directory up; call after the engine has closed its files. */
  release(): Promise<void>;
}

export type HostAnswer = { port: number; pid: number } | "no-host" | "host-left";

/** Becomes the data directory's host, or returns undefined when another live process is. */
export async function tryHoldHostLock(dataDir: string): Promise<HostLock | undefined> {
  const { name, flockPath } = hostName(dataDir);
  let flock: number | undefined;
  if (flockPath) {
    try {
      flock = fs.openSync(flockPath, fs.constants.O_RDWR | fs.constants.O_CREAT | O_EXLOCK | fs.constants.O_NONBLOCK);
    } catch (error) {
      if (isCode(error, "EAGAIN", "EWOULDBLOCK")) return undefined;
      throw error;
    }
    fs.rmSync(name, { force: true }); // a socket file left by a dead host; we hold the flock
  }

  let answer: string | undefined;
  const waiting = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.on("error", () => socket.destroy());
    socket.on("close", () => waiting.delete(socket));
    if (answer) socket.end(answer);
    else waiting.add(socket);
  });
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once("error", (error) => (isCode(error, "EADDRINUSE") ? resolve(false) : reject(error)));
    server.listen(name, () => resolve(true));
  });
  if (!listening) {
    if (flock !== undefined) fs.closeSync(flock);
    return undefined;
  }
  server.unref(); // holding the name must not keep a finished process alive

  return {
    ready(port) {
      answer = `${JSON.stringify({ port, pid: process.pid })}\n`;
      for (const socket of waiting) socket.end(answer);
      waiting.clear();
    },
    async release() {
      for (const socket of waiting) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (flock !== undefined) fs.closeSync(flock);
    },
  };
}

/** Asks the data directory's host for its port; waits while it is still starting. */
export function askHost(dataDir: string, timeoutMs: number): Promise<HostAnswer> {
  const { name } = hostName(dataDir);
  return new Promise((resolve, reject) => {
    let reply = "";
    const socket = net.connect(name);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the embedded database at ${dataDir} has a host that did not become ready within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const settle = (answer: HostAnswer) => {
      clearTimeout(timer);
      resolve(answer);
    };
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (reply += String(chunk)));
    socket.on("error", (error) => {
      socket.destroy();
      // Nobody listens on the name: no process hosts the directory.
      settle(isCode(error, "ECONNREFUSED", "ENOENT") ? "no-host" : "host-left");
    });
    socket.on("close", () => settle(parseAnswer(reply)));
  });
}

function parseAnswer(reply: string): HostAnswer {
  try {
    const answer = JSON.parse(reply) as { port?: unknown; pid?: unknown };
    if (typeof answer.port === "number" && typeof answer.pid === "number") return { port: answer.port, pid: answer.pid };
  } catch {
    // an empty or cut-off reply: the host died or gave up while starting
  }
  return "host-left";
}

function hostName(dataDir: string): { name: string; flockPath?: string } {
  // The same directory must give the same name however it was spelled.
  const parent = fs.realpathSync(path.dirname(path.resolve(dataDir)));
  const resolved = path.join(parent, path.basename(dataDir));
  const id = createHash("sha256").update(resolved).digest("hex").slice(0, 32);
  if (process.platform === "linux") return { name: `\0penguinmails-pglite-${id}` };
  if (process.platform === "win32") return { name: `\\\\.\\pipe\\penguinmails-pglite-${id}` };
  return { name: path.join(os.tmpdir(), `penguinmails-pglite-${id}.sock`), flockPath: `${resolved}.lock` };
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException).code ?? "");
}
