import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { embeddedUrl, startEmbeddedEngine } from "./engine";

// The developer's persistent embedded database (.data/pglite) may be opened by one
// process only, yet `pnpm dev`, `db:migrate` and `db:studio` all want it. The first
// process to need it hosts it and records its port in a lock file; the others connect
// to that port. A lock left by a dead process is taken over.

interface LockRecord {
  pid: number;
  port?: number;
}

export interface SharedEmbedded {
  url: string;
  /** true when this process hosts the engine (it goes away when the process does) */
  hosted: boolean;
  release(): Promise<void>;
}

const WAIT_FOR_HOST_MS = 30_000;

export async function acquireSharedEmbedded(dataDir: string): Promise<SharedEmbedded> {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const lockPath = `${dataDir}.lock`;
  const deadline = Date.now() + WAIT_FOR_HOST_MS;

  while (Date.now() < deadline) {
    const lock = readLock(lockPath);
    if (lock === "absent") {
      if (tryCreateLock(lockPath)) return host(dataDir, lockPath);
      continue;
    }
    if (lock !== "being-written" && !isAlive(lock.pid)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (lock !== "being-written" && lock.port !== undefined && (await canConnect(lock.port))) {
      return { url: embeddedUrl(lock.port), hosted: false, release: async () => {} };
    }
    await sleep(100); // its host is still starting
  }
  throw new Error(`the embedded database at ${dataDir} is locked by another process that does not answer (${lockPath})`);
}

async function host(dataDir: string, lockPath: string): Promise<SharedEmbedded> {
  try {
    const engine = await startEmbeddedEngine({ dataDir });
    const port = Number(new URL(engine.url).port);
    fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, port } satisfies LockRecord));
    const removeLock = () => fs.rmSync(lockPath, { force: true });
    process.once("exit", removeLock);
    return {
      url: engine.url,
      hosted: true,
      async release() {
        await engine.stop();
        removeLock();
        process.removeListener("exit", removeLock);
      },
    };
  } catch (error) {
    fs.rmSync(lockPath, { force: true });
    throw error;
  }
}

function tryCreateLock(lockPath: string): boolean {
  try {
    fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid } satisfies LockRecord), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function readLock(lockPath: string): LockRecord | "absent" | "being-written" {
  try {
    return JSON.parse(fs.readFileSync(lockPath, "utf8")) as LockRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    return "being-written";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}
