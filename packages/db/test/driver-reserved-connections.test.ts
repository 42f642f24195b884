import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startThrowawayServer, type ThrowawayServer } from "../src/testing";

// The contract of patches/postgres@3.4.9.patch: a reserved connection that breaks fails its
// statements and goes back to the pool by itself. Unpatched, a statement on it throws
// `TypeError: Cannot read properties of null (reading 'write')` from setImmediate and never
// settles, and releasing it hands the dead connection to the next query. Every engine run
// uses a throwaway PostgreSQL of its own here: the faults are a server's.
let server: ThrowawayServer;
beforeAll(async () => {
  server = await startThrowawayServer({ migrate: false });
}, 300_000);
afterAll(() => server?.remove());

const BOUND_MS = 20_000;
/** `promise`'s outcome, or "pending" if it has not settled within BOUND_MS (a hang). */
async function outcome(promise: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<string>((resolve) => (timer = setTimeout(resolve, BOUND_MS, "pending")));
  try {
    return await Promise.race([
      promise.then(
        () => "ok",
        (error: { code?: string }) => `rejected ${error.code}`,
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function pool(name: string, max: number) {
  return postgres(server.url, { max, onnotice: () => {}, connection: { application_name: name }, connect_timeout: 10 });
}

describe("a reserved connection whose backend is terminated", () => {
  it("refuses its next statement, and once released the pool serves queries on a fresh connection", async () => {
    const sql = pool("driver-idle", 1);
    try {
      const reserved = await sql.reserve();
      const [before] = await reserved<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      expect(await server.terminateBackends("driver-idle")).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect(await outcome(reserved`SELECT 1`)).toBe("rejected CONNECTION_CLOSED");
      reserved.release();
      const after = sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      expect(await outcome(after)).toBe("ok");
      expect((await after)[0]!.pid).not.toBe(before!.pid);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("fails the statement in flight, refuses the next, and a new reservation works", async () => {
    const sql = pool("driver-busy", 1);
    try {
      const reserved = await sql.reserve();
      const sleeping = reserved`SELECT pg_sleep(30)`;
      sleeping.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await server.terminateBackends("driver-busy")).toBe(1);
      expect(await outcome(sleeping)).toMatch(/^rejected (57P01|CONNECTION_CLOSED)$/);
      expect(await outcome(reserved`ROLLBACK`)).toBe("rejected CONNECTION_CLOSED");
      reserved.release();

      const again = await sql.reserve();
      expect(await outcome(again`SELECT 1`)).toBe("ok");
      again.release();
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});

describe("reservations and a failing pool", () => {
  it("a reserve queued behind a connection that is terminated is still served (porsager/postgres#1195)", async () => {
    const sql = pool("driver-queued", 1);
    try {
      const holder = await sql.reserve();
      const queued = sql.reserve();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await server.terminateBackends("driver-queued")).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      holder.release();
      expect(await outcome(queued)).toBe("ok");
      const reserved = await queued;
      expect(await outcome(reserved`SELECT 1`)).toBe("ok");
      reserved.release();
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it("destroy() ends a reserved connection mid-statement at once, without waiting for the server", async () => {
    const sql = pool("driver-destroy", 1);
    try {
      const reserved = await sql.reserve();
      const sleeping = reserved`SELECT pg_sleep(60)`;
      sleeping.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500));
      reserved.destroy();
      expect(await outcome(sleeping)).toBe("rejected CONNECTION_CLOSED");
      reserved.release();
      expect(await outcome(sql`SELECT 1`)).toBe("ok");
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
