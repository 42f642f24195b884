import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { embeddedUrl, startEmbeddedEngine } from "./engine";
import { askHost, tryHoldHostLock, type HostLock } from "./host-lock";

// The developer's persistent embedded database (.data/pglite) may be opened by one
// process only, yet `pnpm dev`, `db:migrate` and `db:studio` all want it. The first
// process to take the host lock (see host-lock.ts) opens it and serves it on a local
// port; every other process asks the host for that port and connects to it.

export interface SharedEmbedded {
  url: string;
  /** true when this process hosts the engine (it goes away when the process does) */
  hosted: boolean;
  release(): Promise<void>;
}

// A first start creates the database (seconds when idle, far longer on a loaded machine);
// waiters wait for a live host that long rather than fail beside it.
const WAIT_FOR_HOST_MS = 180_000;

export async function acquireSharedEmbedded(dataDir: string): Promise<SharedEmbedded> {
  fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  const deadline = Date.now() + WAIT_FOR_HOST_MS;
  for (;;) {
    const lock = await tryHoldHostLock(dataDir);
    if (lock) return host(dataDir, lock);
    const answer = await askHost(dataDir, Math.max(deadline - Date.now(), 1));
    if (typeof answer === "object") return { url: embeddedUrl(answer.port), hosted: false, release: async () => {} };
    // The host went away between the two steps: take its place or find its successor.
    await sleep(answer === "host-left" ? 50 : 10);
  }
}

async function host(dataDir: string, lock: HostLock): Promise<SharedEmbedded> {
  let engine;
  try {
    engine = await startEmbeddedEngine({ dataDir });
  } catch (error) {
    await lock.release();
    throw error;
  }
  lock.ready(Number(new URL(engine.url).port));
  return {
    url: engine.url,
    hosted: true,
    async release() {
      // Files closed before the lock goes: the next host must never open them beside us.
      await engine.stop();
      await lock.release();
    },
  };
}
