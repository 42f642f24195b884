import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renameTenant } from "../src/data";
import { workspace } from "./support/actors";
import { sqlstate } from "../src/testing";
import { useTestDatabase } from "../src/testing/vitest";

const db = useTestDatabase();

async function insertUser(email: string, id?: string): Promise<string> {
  const [row] = await db.client.sql<{ id: string }[]>`
    INSERT INTO users ${db.client.sql(id ? { id, email } : { email })} RETURNING id`;
  return row!.id;
}

async function insertTenant(name = "Acme"): Promise<string> {
  const [row] = await db.client.sql<{ id: string }[]>`INSERT INTO tenants (name) VALUES (${name}) RETURNING id`;
  return row!.id;
}

const unique = () => `u-${randomUUID()}@example.test`;

describe("keys and defaults", () => {
  it("generates UUID keys, and keeps one the caller chose", async () => {
    const generated = await insertUser(unique());
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const chosen = randomUUID();
    expect(await insertUser(unique(), chosen)).toBe(chosen);
  });

  it("defaults created/updated to the transaction time; the roles default ('{}') is refused as empty", async () => {
    const userId = await insertUser(unique());
    const tenantId = await insertTenant();
    expect(await sqlstate(db.client.sql`INSERT INTO tenant_users (tenant_id, user_id) VALUES (${tenantId}, ${userId})`)).toBe("23514");
    // now() read in the same transaction, not in RETURNING: Citus refuses functions there.
    const row = await db.client.sql.begin(async (tx) => {
      const [inserted] = await tx<{ roles: string[]; created: Date; updated: Date; deleted: Date | null }[]>`
        INSERT INTO tenant_users (tenant_id, user_id, roles) VALUES (${tenantId}, ${userId}, '{member}')
        RETURNING roles, created, updated, deleted`;
      const [clock] = await tx`SELECT now() AS now`;
      return { ...inserted!, now: clock!.now as Date };
    });
    expect(row.roles).toEqual(["member"]);
    expect(row.created).toEqual(row.now);
    expect(row.updated).toEqual(row.now);
    expect(row.deleted).toBeNull();
  });

  it("refuses a membership whose tenant or user does not exist", async () => {
    const userId = await insertUser(unique());
    expect(await sqlstate(db.client.sql`INSERT INTO tenant_users (tenant_id, user_id, roles) VALUES (${randomUUID()}, ${userId}, '{member}')`)).toBe("23503");
    const [row] = await db.client.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM tenant_users WHERE user_id = ${userId}`;
    expect(row!.count).toBe(0);
  });
});

describe("hard delete cascades to memberships", () => {
  it("deleting a user removes their memberships and nothing else", async () => {
    const [alice, bob] = [await insertUser(unique()), await insertUser(unique())];
    const tenant = await insertTenant();
    await db.client.sql`INSERT INTO tenant_users (tenant_id, user_id, roles) VALUES (${tenant}, ${alice}, '{member}'), (${tenant}, ${bob}, '{member}')`;
    await db.client.sql`DELETE FROM users WHERE id = ${alice}`;
    const rows = await db.client.sql<{ user_id: string }[]>`SELECT user_id FROM tenant_users WHERE tenant_id = ${tenant}`;
    expect(rows.map((r) => r.user_id)).toEqual([bob]);
    const [tenantRow] = await db.client.sql`SELECT id FROM tenants WHERE id = ${tenant}`;
    expect(tenantRow).toBeDefined();
  });

  it("deleting a tenant removes its memberships and keeps the users", async () => {
    const user = await insertUser(unique());
    const [kept, gone] = [await insertTenant(), await insertTenant()];
    await db.client.sql`INSERT INTO tenant_users (tenant_id, user_id, roles) VALUES (${kept}, ${user}, '{member}'), (${gone}, ${user}, '{member}')`;
    await db.client.sql`DELETE FROM tenants WHERE id = ${gone}`;
    const rows = await db.client.sql<{ tenant_id: string }[]>`SELECT tenant_id FROM tenant_users WHERE user_id = ${user}`;
    expect(rows.map((r) => r.tenant_id)).toEqual([kept]);
    expect(await db.client.sql`SELECT id FROM users WHERE id = ${user}`).toHaveLength(1);
  });
});

describe("updated moves on every update", () => {
  it("through the data layer, on every engine", async () => {
    const space = await workspace(db.client);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renamed = await space.as(space.owner, (tx) => renameTenant(tx, { name: "Renamed" }));
    expect(renamed.updated.getTime()).toBeGreaterThan(space.tenant.updated.getTime());
  });

  // A trigger moves it for every writer on PostgreSQL and the embedded engine. Citus refuses
  // triggers on distributed tables: there a writer outside the data layer keeps its value.
  const byTrigger = () => db.database.engine !== "citus";
  it.each(["users", "tenants", "tenant_users"])("%s, by any writer where the engine has triggers", async (table) => {
    const user = await insertUser(unique());
    const tenant = await insertTenant();
    await db.client.sql`INSERT INTO tenant_users (tenant_id, user_id, roles) VALUES (${tenant}, ${user}, '{member}')`;
    const where =
      table === "tenant_users" ? db.client.sql`tenant_id = ${tenant} AND user_id = ${user}` : db.client.sql`id = ${table === "users" ? user : tenant}`;
    const [before] = await db.client.sql<{ created: Date; updated: Date }[]>`SELECT created, updated FROM ${db.client.sql(table)} WHERE ${where}`;
    await new Promise((resolve) => setTimeout(resolve, 5));
    // A writer that tries to pin `updated` to the past is overruled as well.
    const [after] = await db.client.sql<{ created: Date; updated: Date; moved: boolean }[]>`
      UPDATE ${db.client.sql(table)} SET deleted = now(), updated = '2000-01-01T00:00:00Z'
      WHERE ${where} RETURNING created, updated, updated > ${before!.updated}::timestamptz AS moved`;
    expect(after!.created).toEqual(before!.created);
    expect(after!.moved).toBe(byTrigger());
  });
});

describe("email is unique among live users, ignoring case", () => {
  it("refuses a case variant of a live address, leaving one row", async () => {
    const email = unique();
    await insertUser(email);
    expect(await sqlstate(insertUser(email.toUpperCase()))).toBe("23505");
    const rows = await db.client.sql<{ email: string }[]>`SELECT email FROM users WHERE lower(email) = lower(${email})`;
    expect(rows.map((r) => r.email)).toEqual([email]);
  });

  it("allows re-registration once the old account is soft-deleted", async () => {
    const email = unique();
    const old = await insertUser(email);
    await db.client.sql`UPDATE users SET deleted = now() WHERE id = ${old}`;
    const fresh = await insertUser(email.toUpperCase());
    const rows = await db.client.sql`SELECT id, deleted IS NULL AS live FROM users WHERE lower(email) = lower(${email}) ORDER BY live`;
    expect(rows).toEqual([
      { id: old, live: false },
      { id: fresh, live: true },
    ]);
    // ...and restoring the old account while the new one lives is refused.
    expect(await sqlstate(db.client.sql`UPDATE users SET deleted = NULL WHERE id = ${old}`)).toBe("23505");
  });

  it("10 concurrent inserts of one address leave exactly one row", async () => {
    const email = unique();
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => insertUser(i % 2 ? email : email.toUpperCase())));
    const refused = results.filter((r) => r.status === "rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(refused.map((r) => (r.reason as { code?: string }).code)).toEqual(Array(9).fill("23505"));
    const [row] = await db.client.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM users WHERE lower(email) = lower(${email})`;
    expect(row!.count).toBe(1);
  });
});
