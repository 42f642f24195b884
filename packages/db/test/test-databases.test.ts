import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { readDbEnv } from "../src/env";
import { readJournal } from "../src/migrate";
import { createTestDatabase } from "../src/testing";
import { serverIsCitus } from "./support/world";

// The test support itself: every other test file trusts it for a fresh database of its own,
// on the engine that DATABASE_URL names, and for leaving nothing behind.
const serverUrl = readDbEnv().DATABASE_URL;
const onCitus = await serverIsCitus();
const expectedEngine = !serverUrl ? "embedded" : onCitus ? "citus" : "postgres";

async function query<T extends object>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql.unsafe<T[]>(text);
  } finally {
    await sql.end();
  }
}

describe("createTestDatabase", () => {
  it(`makes a database of its own on the ${expectedEngine} engine, and drop removes it`, async () => {
    const a = await createTestDatabase({ migrate: false });
    const b = await createTestDatabase({ migrate: false });
    let aDropped = false;
    try {
      expect([a.engine, b.engine]).toEqual([expectedEngine, expectedEngine]);
      await query(a.url, "CREATE TABLE only_in_a (id int PRIMARY KEY)");
      expect(await query(b.url, "SELECT to_regclass('only_in_a') AS t")).toEqual([{ t: null }]);

      await a.drop();
      aDropped = true;
      await expect(query(a.url, "SELECT 1")).rejects.toThrow();
      expect(await query(b.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      if (!aDropped) await a.drop();
      await b.drop();
    }
  });

  it("applies every migration unless asked not to", async () => {
    const database = await createTestDatabase();
    try {
      const [ledger] = await query<{ n: number }>(database.url, "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
      expect(ledger?.n).toBe(readJournal().length);
    } finally {
      await database.drop();
    }
  });

  it("makes several migrated databases at once, as parallel test files do", async () => {
    const made = await Promise.allSettled([1, 2, 3].map(() => createTestDatabase()));
    const databases = made.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    try {
      expect(made.map((result) => result.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
      for (const database of databases) {
        expect(await query(database.url, "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations")).toEqual([{ n: readJournal().length }]);
      }
    } finally {
      await Promise.all(databases.map((database) => database.drop()));
    }
  });

  // Only a Citus coordinator has a cluster to span; on the other engines there is nothing to test.
  it.runIf(onCitus)("on Citus: spans the cluster, routes by distribution column, and drop leaves no node with it", async () => {
    const maintenance = serverUrl!;
    const workers = await query<{ node: string }>(
      maintenance,
      "SELECT nodename || ':' || nodeport AS node FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' ORDER BY 1",
    );
    expect(workers.length).toBeGreaterThan(0);
    const database = await createTestDatabase({ migrate: false });
    const name = new URL(database.url).pathname.slice(1);
    try {
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        await sql`CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)`;
        await sql`SELECT create_distributed_table('items', 'id')`;
        await sql`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g`;
        const placed = await sql<{ node: string }[]>`
          SELECT DISTINCT nodename || ':' || nodeport AS node FROM pg_dist_shard_placement ORDER BY 1`;
        expect(placed).toEqual(workers);
        expect(await sql`SELECT count(*)::int AS n FROM items`).toEqual([{ n: 100 }]);
        const plan = (await sql.unsafe<{ "QUERY PLAN": string }[]>("EXPLAIN SELECT label FROM items WHERE id = 42"))
          .map((line) => line["QUERY PLAN"])
          .join("\n");
        expect(plan).toMatch(/Task Count: 1\b/);
      } finally {
        await sql.end();
      }
    } finally {
      await database.drop();
    }
    const left = await query<{ result: string }>(
      maintenance,
      `SELECT result FROM run_command_on_all_nodes($$SELECT count(*) FROM pg_database WHERE datname = '${name}'$$)`,
    );
    expect(left.length).toBeGreaterThanOrEqual(workers.length);
    expect(left.map((node) => node.result)).toEqual(Array(left.length).fill("0"));
  });
});
