import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedEngine, type EmbeddedEngine } from "../src/embedded/engine";

// The embedded engine's multiplexer, whatever DATABASE_URL says: many client connections
// share one PGlite backend and must still see whole, isolated transactions.
let engine: EmbeddedEngine;
let sql: postgres.Sql;

beforeAll(async () => {
  engine = await startEmbeddedEngine();
  sql = postgres(engine.url, { max: 8, onnotice: () => {} });
  await sql`CREATE TABLE counter (n int NOT NULL)`;
  await sql`INSERT INTO counter VALUES (0)`;
});

afterAll(async () => {
  await sql.end({ timeout: 5 });
  await engine.stop();
});

describe("embedded wire server", () => {
  it("runs concurrent read-modify-write transactions from 8 connections one at a time", async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        sql.begin(async (tx) => {
          const [row] = await tx<{ n: number }[]>`SELECT n FROM counter WHERE ${i} >= 0`;
          await new Promise((resolve) => setTimeout(resolve, 1));
          await tx`UPDATE counter SET n = ${row!.n + 1}`;
        }),
      ),
    );
    const [row] = await sql<{ n: number }[]>`SELECT n FROM counter`;
    expect(row!.n).toBe(40);
  });

  it("keeps each connection's parameterised statements apart", async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => sql<{ i: number; t: string }[]>`SELECT ${i}::int AS i, ${`v${i}`}::text AS t`));
    results.forEach((rows, i) => expect(rows[0]).toEqual({ i, t: `v${i}` }));
  });

  it("rolls back the open transaction of a client that disconnects", async () => {
    const quitter = postgres(engine.url, { max: 1, onnotice: () => {} });
    const abandoned = quitter.begin(async (tx) => {
      await tx`INSERT INTO counter VALUES (-1)`;
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    setTimeout(() => void quitter.end({ timeout: 0 }), 50);
    await expect(abandoned).rejects.toThrow();
    const rows = await sql`SELECT n FROM counter WHERE n = -1`;
    expect(rows).toHaveLength(0);
  });
});
