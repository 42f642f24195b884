import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type DatabaseClient } from "../src/client";
import { ContextTimeoutError, withSystem } from "../src/context";
import { isDataError } from "../src/errors";
import { startThrowawayServer, type ThrowawayServer } from "../src/testing";

// Contexts when the database goes away, on a throwaway PostgreSQL: a lost connection or a
// passed deadline is DataError `unavailable`, nothing of the context is committed, and the
// pool serves the next context. Every engine run uses the throwaway server.
let server: ThrowawayServer;
beforeAll(async () => {
  server = await startThrowawayServer();
  const owner = postgres(server.url, { max: 1, onnotice: () => {} });
  await owner`CREATE TABLE marks (label text)`;
  await owner`GRANT SELECT, INSERT ON marks TO penguinmails_system`;
  await owner.end();
}, 300_000);
afterAll(() => server?.remove());

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}
async function marks(client: DatabaseClient, label: string): Promise<number> {
  const [row] = await withSystem(client.db, (tx) => tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM marks WHERE label = ${label}`));
  return row!.n;
}
async function backendPids(name: string): Promise<number[]> {
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    return (await admin<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE application_name = ${name}`).map((row) => row.pid);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

describe("a context whose connection is lost", () => {
  it("fails with DataError unavailable, commits nothing, and the next context is served", async () => {
    const client = createClient(server.url, { max: 1, applicationName: "ctx-terminated" });
    try {
      const error = await failure(
        withSystem(client.db, async (tx) => {
          await tx.execute(sql`INSERT INTO marks VALUES ('terminated')`);
          await server.terminateBackends("ctx-terminated");
          await tx.execute(sql`SELECT pg_sleep(0.5)`);
        }),
      );
      expect(isDataError(error, "unavailable")).toBe(true);
      expect(await marks(client, "terminated")).toBe(0);
    } finally {
      await client.close();
    }
  });
});

describe("a context past its deadline (contextTimeoutMs)", () => {
  it("fails with DataError unavailable when the server stops answering; its connection is closed, not reused mid-transaction", async () => {
    const client = createClient(server.url, { max: 1, applicationName: "ctx-frozen", contextTimeoutMs: 1500 });
    try {
      await withSystem(client.db, (tx) => tx.execute(sql`SELECT 1`));
      const [pid] = await backendPids("ctx-frozen");
      let error: unknown;
      process.kill(pid!, "SIGSTOP");
      try {
        error = await failure(
          withSystem(client.db, async (tx) => {
            await tx.execute(sql`INSERT INTO marks VALUES ('frozen')`);
          }),
        );
      } finally {
        process.kill(pid!, "SIGCONT");
      }
      expect(isDataError(error, "unavailable")).toBe(true);
      expect((error as Error).cause).toBeInstanceOf(ContextTimeoutError);
      // A fresh connection, outside the abandoned transaction: its insert never committed.
      const [row] = await withSystem(client.db, (tx) => tx.execute<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`));
      expect(row!.pid).not.toBe(pid);
      expect(await marks(client, "frozen")).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("waiting for a connection counts too; a reservation that arrives late goes back to the pool", async () => {
    const client = createClient(server.url, { max: 1, applicationName: "ctx-queued", contextTimeoutMs: 1500 });
    try {
      // The pool's one connection is taken (outside any context) while a context waits.
      const holder = await client.sql.reserve();
      const error = await failure(withSystem(client.db, (tx) => tx.execute(sql`SELECT 1`)));
      expect(isDataError(error, "unavailable")).toBe(true);
      expect((error as Error).cause).toBeInstanceOf(ContextTimeoutError);
      // The connection then reaches the abandoned reservation, which must hand it back.
      holder.release();
      await withSystem(client.db, (tx) => tx.execute(sql`SELECT 1`));
      await withSystem(client.db, (tx) => tx.execute(sql`SELECT 1`));
    } finally {
      await client.close();
    }
  });
});
