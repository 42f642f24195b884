import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type AnyTx, type DatabaseClient } from "../src/client";
import { listMembers } from "../src/data";
import { withTenant, withoutContext } from "../src/context";
import { readDbEnv } from "../src/env";
import * as schema from "../src/schema";
import { tenantUsers } from "../src/schema";
import { addMembership, createAppLogin, makeTenantWithMember, serverIsCitus, type Member } from "./support/world";
import { useTestDatabase } from "../src/testing/vitest";

// A context must never outlive its transaction: pooled connections go from one tenant's
// request to another's, or to one with no context at all.
const ctx = useTestDatabase();
const onServer = readDbEnv().DATABASE_URL !== undefined;
const onCitus = await serverIsCitus();
let a: Member;
let b: Member;
let login: Awaited<ReturnType<typeof createAppLogin>> | undefined;

beforeAll(async () => {
  a = await makeTenantWithMember(ctx.client);
  b = await makeTenantWithMember(ctx.client);
  for (let i = 0; i < 3; i++) {
    await addMembership(ctx.client, a.tenantId, (await makeTenantWithMember(ctx.client)).userId);
    await addMembership(ctx.client, b.tenantId, (await makeTenantWithMember(ctx.client)).userId);
  }
  // On PostgreSQL the pools log in as production does; the embedded engine has one login.
  if (onServer) login = await createAppLogin(ctx.database);
});
afterAll(async () => {
  await login?.drop();
});

function appPool(max: number): DatabaseClient {
  return createClient(login?.url ?? ctx.database.url, { max });
}

type Request = "A" | "B" | "none";

// "none": the runtime role with no context, which is what any request without one gets.
function membershipsSeenBy(pool: DatabaseClient, request: Request): Promise<string[]> {
  const read = async (tx: AnyTx) => (await tx.select({ tenantId: tenantUsers.tenantId }).from(tenantUsers)).map((r) => r.tenantId);
  if (request === "none") {
    return withoutContext(pool.db, read);
  }
  const member = request === "A" ? a : b;
  return withTenant(pool.db, { tenantId: member.tenantId, userId: member.userId }, read);
}

describe("pool hygiene", () => {
  it("pool of 1: tenant A, then no context, sees nothing of A", async () => {
    const pool = appPool(1);
    try {
      expect(await membershipsSeenBy(pool, "A")).toEqual(Array(4).fill(a.tenantId));
      const [session] = await pool.sql`
        SELECT current_setting('nile.tenant_id', true) AS tenant, current_setting('nile.user_id', true) AS "user",
               current_user = session_user AS own_role`;
      expect(session).toEqual({ tenant: "", user: "", own_role: true });
      expect(await membershipsSeenBy(pool, "none")).toEqual([]);
      if (onServer) expect(await pool.sql`SELECT tenant_id FROM tenant_users`).toHaveLength(0);
    } finally {
      await pool.close();
    }
  });

  it("1,000 randomised concurrent requests for A, B and none over a pool of 3 see only their own rows", async () => {
    const pool = appPool(3);
    try {
      const requests = Array.from({ length: 1000 }, (_, i): Request => (["A", "B", "none"] as const)[(i * 7919 + Math.floor(Math.random() * 3)) % 3]!);
      const seen = await Promise.all(requests.map((request) => membershipsSeenBy(pool, request)));
      const leaks = seen.filter((tenantIds, i) => {
        const expected = requests[i] === "A" ? a.tenantId : requests[i] === "B" ? b.tenantId : undefined;
        return expected === undefined ? tenantIds.length > 0 : tenantIds.length !== 4 || tenantIds.some((id) => id !== expected);
      });
      expect(new Set(requests).size).toBe(3);
      expect(leaks).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it("a prepared statement reused across tenants returns only the current tenant's rows", async () => {
    const pool = appPool(1);
    // A parameter makes postgres.js use the extended protocol and a named statement.
    const text = "SELECT tenant_id FROM tenant_users WHERE $1::int = 1";
    try {
      // postgres.js keeps one named statement per connection and text; pool.sql inside the
      // context would be another connection, so run the statement on the reserved one.
      const reserved = await pool.sql.reserve();
      try {
        const inContext = async (member: Member) => {
          await reserved`BEGIN`;
          await reserved.unsafe(
            `SET LOCAL nile.tenant_id = '${member.tenantId}'; SET LOCAL nile.user_id = '${member.userId}'; SET LOCAL ROLE penguinmails_app`,
          );
          const rows = await reserved.unsafe(text, [1], { prepare: true });
          const [statements] = await reserved`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = ${text}`;
          await reserved`COMMIT`;
          return { tenants: [...new Set(rows.map((r) => r.tenant_id as string))], prepared: statements!.n as number };
        };
        expect(await inContext(a)).toEqual({ tenants: [a.tenantId], prepared: 1 });
        expect(await inContext(b)).toEqual({ tenants: [b.tenantId], prepared: 1 });
        expect(await inContext(a)).toEqual({ tenants: [a.tenantId], prepared: 1 });
      } finally {
        reserved.release();
      }
    } finally {
      await pool.close();
    }
  });
});

describe("plans", () => {
  let sample: Member;

  beforeAll(async () => {
    // 100,000 memberships: 10,000 users, each in 10 of 1,000 tenants.
    // As the owner login (superuser here), not penguinmails_system: Citus runs INSERT ... SELECT
    // as COPY, which it refuses under row-level security.
    await ctx.client.sql.begin(async (tx) => {
      await tx`INSERT INTO tenants (name) SELECT 'Bulk ' || g FROM generate_series(1, 1000) g`;
      await tx`INSERT INTO users (email) SELECT 'bulk-' || g || '@example.test' FROM generate_series(1, 10000) g`;
      await tx`
        WITH t AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM tenants WHERE name LIKE 'Bulk %'),
             u AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users WHERE email LIKE 'bulk-%')
        INSERT INTO tenant_users (tenant_id, user_id, roles)
        SELECT t.id, u.id, '{member}' FROM u CROSS JOIN generate_series(0, 9) k
        JOIN t ON t.n = (u.n + k * 101) % 1000`;
      const [row] = await tx<{ tenant_id: string; user_id: string }[]>`SELECT tenant_id, user_id FROM tenant_users WHERE roles = '{member}' LIMIT 1`;
      sample = { tenantId: row!.tenant_id, userId: row!.user_id, email: "" };
    });
    await ctx.client.sql`ANALYZE`;
  }, 120_000);

  interface PlanNode {
    "Node Type": string;
    "Relation Name"?: string;
    "Index Name"?: string;
    "Parent Relationship"?: string;
    Filter?: string;
    "Index Cond"?: string;
    Alias?: string;
    Plans?: PlanNode[];
    "Distributed Query"?: { Job: { Tasks?: { "Remote Plan": { Plan: PlanNode }[][] }[] } };
  }

  async function planOf(query: string): Promise<PlanNode> {
    return withTenant(ctx.client.db, sample, async (tx) => {
      const rows = await tx.execute(sql.raw(`EXPLAIN (FORMAT JSON) ${query}`));
      const plan = (rows[0] as { "QUERY PLAN": [{ Plan: PlanNode }] })["QUERY PLAN"];
      return plan[0].Plan;
    });
  }

  // On Citus the plan a shard runs sits under the coordinator's "Distributed Query", one task
  // shown: its scans are on the shard (tenant_users_102042, aliased tenant_users).
  function nodes(node: PlanNode, underInitPlan = false): { node: PlanNode; underInitPlan: boolean }[] {
    const here = underInitPlan || node["Parent Relationship"] === "InitPlan";
    const remote = (node["Distributed Query"]?.Job.Tasks ?? []).flatMap((task) => task["Remote Plan"].flat().map((p) => p.Plan));
    return [{ node, underInitPlan: here }, ...[...(node.Plans ?? []), ...remote].flatMap((child) => nodes(child, here))];
  }

  // Policies compare with the context's setting by equality, so it becomes an index
  // condition: read once per scan, never a per-row filter, and no OR with another context.
  it.each([
    ["every membership the context sees", "SELECT * FROM tenant_users"],
    ["the tenant's members, filtered as the data layer does", `SELECT * FROM tenant_users WHERE deleted IS NULL ORDER BY user_id LIMIT 50`],
  ])("%s: an index scan on tenant_users with the context in its index condition", async (_, query) => {
    const all = nodes(await planOf(query)).map(({ node }) => node);
    const scans = all.filter((node) => node.Alias === "tenant_users");
    expect(scans.length).toBeGreaterThan(0);
    for (const node of scans) {
      expect(node["Node Type"]).toMatch(/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/);
      expect(node.Filter ?? "").not.toMatch(/current_setting/);
    }
    const conditions = all.map((node) => node["Index Cond"] ?? "");
    expect(conditions.some((cond) => /tenant_id = .*current_setting\('nile\.tenant_id'/.test(cond))).toBe(true);
    expect(all.some((node) => node["Node Type"] === "BitmapOr")).toBe(false);
    const rows = await withTenant(ctx.client.db, sample, (tx) => tx.execute(sql.raw(query)));
    expect(rows.length).toBeGreaterThan(0);
  });

  // Only a Citus coordinator has shards to route to. Policies keep any query to its tenant's
  // rows, but Citus prunes shards only by what the statement itself says: the data layer
  // binds the context's tenant as a parameter for that.
  it.runIf(onCitus)("on Citus: the member page names its tenant and reaches one shard; the policy alone reaches every shard", async () => {
    const sent: { text: string; params: unknown[] }[] = [];
    const traced = postgres(ctx.database.url, { max: 1, onnotice: () => {}, debug: (_c, text, params: unknown[]) => sent.push({ text, params: [...params] }) });
    try {
      await withTenant(drizzle(traced, { schema }), sample, (tx) => listMembers(tx));
    } finally {
      await traced.end();
    }
    const page = sent.find((q) => q.text.includes('from "users"."tenant_users"'));
    expect(page?.params).toContain(sample.tenantId);
    const tasks = async (text: string, params: unknown[]) => {
      const lines = await ctx.client.sql.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL nile.tenant_id = '${sample.tenantId}'`);
        await tx.unsafe(`SET LOCAL nile.user_id = '${sample.userId}'`);
        await tx`SELECT set_config('role', 'penguinmails_app', true)`;
        return tx.unsafe(`EXPLAIN ${text}`, params as never[]);
      });
      return /Task Count: (\d+)/.exec(lines.map((l) => l["QUERY PLAN"] as string).join("\n"))?.[1];
    };
    expect(await tasks(page!.text, page!.params)).toBe("1");
    expect(Number(await tasks("SELECT * FROM tenant_users", []))).toBeGreaterThan(1);
  });

  it.each(["users", "tenants", "tenant_users"])("the retention purge finds deleted %s through the partial index on deleted, not a scan", async (table) => {
    const key = table === "tenant_users" ? "tenant_id, user_id" : "id";
    // What the purge sends to find a batch (retention.ts): users locked as found; tenants
    // and memberships found first, then locked tenant by tenant.
    const lock = table === "users" ? " FOR UPDATE SKIP LOCKED" : "";
    // Three transactions: Citus refuses ANALYZE after a write in the same one.
    await ctx.client.sql.unsafe(
      `UPDATE ${table} SET deleted = now() - interval '40 days' WHERE (${key}) IN (SELECT ${key} FROM ${table} ORDER BY ${key} LIMIT 20)`,
    );
    await ctx.client.sql.unsafe(`ANALYZE ${table}`);
    // On Citus the 1,000 tenants are ~31 rows a shard, one page, where a sequential scan is
    // the right read: there the test asks whether the index can serve the statement at all.
    const tinyShards = ctx.database.engine === "citus" && table === "tenants";
    const plan = await ctx.client.sql.begin(async (tx) => {
      if (tinyShards) await tx`SET LOCAL enable_seqscan = off`;
      await tx`SELECT set_config('role', 'penguinmails_system', true)`;
      const rows = await tx.unsafe(`EXPLAIN SELECT ${key} FROM ${table} WHERE deleted < now() - interval '30 days' ORDER BY ${key} LIMIT 1000${lock}`);
      return rows.map((r) => r["QUERY PLAN"] as string).join("\n");
    });
    expect(plan).toContain(`${table}_deleted_idx`);
    expect(plan).not.toMatch(new RegExp(`Seq Scan on ${table}`));
  });
});
