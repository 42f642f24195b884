import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDbEnv } from "../src/env";
import { createNileShapedDatabase, type NileShapedDatabase } from "../src/testing/nile";

// The NileDB-shaped database the nile target is tested against (src/testing/nile-emulation.sql):
// each rule seen through postgres.js with the URL the app gets. Same body on both engines.
const onServer = readDbEnv().DATABASE_URL !== undefined;
let db: NileShapedDatabase;
let sql: postgres.Sql;
// Tenants A, B and closed; members a (of A), b (of B), gone (of A, soft-deleted); outsider (of none).
const A = randomUUID();
const B = randomUUID();
const closed = randomUUID(); // a soft-deleted tenant
const a = randomUUID();
const b = randomUUID();
const gone = randomUUID();
const outsider = randomUUID();

type Tx = postgres.TransactionSql;
interface Context {
  tenant?: string;
  user?: string;
}

/** One transaction whose first statements set the Nile context, as the nile target does. */
function inContext<T>(context: Context, work: (tx: Tx) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    if (context.tenant) await tx.unsafe(`SET LOCAL nile.tenant_id = '${context.tenant}'`);
    if (context.user) await tx.unsafe(`SET LOCAL nile.user_id = '${context.user}'`);
    return work(tx);
  }) as Promise<T>;
}

/** Every row of the three built-in tables, read with no context: equal text, nothing changed. */
async function everything(): Promise<string> {
  const [row] = await sql`SELECT
    (SELECT json_agg(t ORDER BY id) FROM tenants t)::text AS tenants,
    (SELECT json_agg(u ORDER BY id) FROM users.users u)::text AS users,
    (SELECT json_agg(m ORDER BY tenant_id, user_id) FROM users.tenant_users m)::text AS memberships`;
  return JSON.stringify(row);
}

/** The refusal of `work`, after checking that it changed nothing. */
async function refusal(work: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  const before = await everything();
  const outcome = await work().then(
    () => ({ code: "none", message: "succeeded" }),
    (error: postgres.PostgresError) => ({ code: error.code, message: error.message }),
  );
  expect(await everything()).toBe(before);
  return outcome;
}

const memberships = (tx: Tx | postgres.Sql) =>
  tx<{ tenant_id: string; user_id: string }[]>`SELECT tenant_id, user_id FROM users.tenant_users ORDER BY tenant_id, user_id`.then((rows) =>
    rows.map((r) => `${r.tenant_id}/${r.user_id}`),
  );
const sorted = (values: string[]) => [...values].sort();

beforeAll(async () => {
  db = await createNileShapedDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
  // As Nile's own code does it: each tenant, the users, the memberships, in separate transactions.
  await sql`INSERT INTO tenants (id, name) VALUES (${A}, 'A')`;
  await sql`INSERT INTO tenants (id, name) VALUES (${B}, 'B')`;
  await sql`INSERT INTO tenants (id, name, deleted) VALUES (${closed}, 'closed', LOCALTIMESTAMP)`;
  for (const id of [a, b, gone, outsider]) await sql`INSERT INTO users.users (id, email) VALUES (${id}, ${`${id}@example.test`})`;
  await sql`INSERT INTO users.tenant_users (tenant_id, user_id, roles, deleted) VALUES (${A}, ${a}, '{owner}', NULL), (${A}, ${gone}, '{member}', LOCALTIMESTAMP)`;
  await sql`INSERT INTO users.tenant_users (tenant_id, user_id, roles) VALUES (${B}, ${b}, '{owner}')`;
});
afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

describe("the login", () => {
  it(`is the developer role on the ${onServer ? "postgres" : "embedded"} engine: no superuser, no BYPASSRLS, RLS active`, async () => {
    expect(db.engine).toBe(onServer ? "postgres" : "embedded");
    const [who] = await sql`SELECT current_user AS role, r.rolsuper, r.rolbypassrls,
        row_security_active('users.tenant_users') AS rls FROM pg_roles r WHERE r.rolname = current_user`;
    expect(who).toEqual({ role: "nile_developer", rolsuper: false, rolbypassrls: false, rls: true });
  });

  it("can run DDL migrations: CREATE SCHEMA drizzle, tables in public, columns on tenants", async () => {
    const rollback = new Error("rollback");
    const done = sql.begin(async (tx) => {
      await tx`CREATE SCHEMA IF NOT EXISTS drizzle`;
      await tx`CREATE TABLE drizzle.ledger (id int)`;
      await tx`CREATE TABLE public.things (tenant_id uuid, id uuid DEFAULT public.uuid_generate_v7(), PRIMARY KEY (tenant_id, id))`;
      await tx`ALTER TABLE tenants ADD COLUMN phone text`;
      const [row] = await tx`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'tenants' AND column_name = 'phone'`;
      expect(row?.n).toBe(1);
      throw rollback;
    });
    await expect(done).rejects.toBe(rollback);
  });
});

describe("the built-in tables", () => {
  it("are NileDB's, column for column (builtintables.mdx; tenants from drizzle-kit pulls)", async () => {
    const columns = await sql`SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type
        || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END || coalesce(' default ' || column_default, '') AS c
      FROM information_schema.columns WHERE table_schema IN ('public', 'users') ORDER BY table_schema, table_name, ordinal_position`;
    const stamp = (table: string, column: string) => `${table}.${column} timestamp without time zone not null default LOCALTIMESTAMP`;
    expect(columns.map((r) => r.c as string)).toEqual([
      "public.tenants.id uuid not null default uuid_generate_v7()",
      "public.tenants.name text",
      stamp("public.tenants", "created"),
      stamp("public.tenants", "updated"),
      "public.tenants.deleted timestamp without time zone",
      "public.tenants.compute_id uuid",
      "users.tenant_users.tenant_id uuid not null",
      "users.tenant_users.user_id uuid not null",
      stamp("users.tenant_users", "created"),
      stamp("users.tenant_users", "updated"),
      "users.tenant_users.deleted timestamp without time zone",
      "users.tenant_users.roles ARRAY",
      "users.tenant_users.email text",
      "users.users.id uuid not null default uuid_generate_v7()",
      stamp("users.users", "created"),
      stamp("users.users", "updated"),
      "users.users.deleted timestamp without time zone",
      ...["name", "family_name", "given_name", "email", "picture"].map((c) => `users.users.${c} text`),
      "users.users.email_verified timestamp without time zone",
    ]);
    const indexes = await sql`SELECT indexdef FROM pg_indexes WHERE schemaname IN ('public', 'users') ORDER BY indexname`;
    expect(indexes.map((r) => r.indexdef as string)).toEqual([
      "CREATE UNIQUE INDEX tenant_users_pkey ON users.tenant_users USING btree (tenant_id, user_id)",
      "CREATE UNIQUE INDEX tenants_pkey ON public.tenants USING btree (id)",
      "CREATE UNIQUE INDEX users_email_key ON users.users USING btree (email) WHERE (deleted IS NULL)",
      "CREATE UNIQUE INDEX users_pkey ON users.users USING btree (id)",
    ]);
    // The one foreign key: tenant_id to tenants, NO ACTION both ways; none to users.users.
    const keys = await sql`SELECT conrelid::regclass::text AS "table", conname AS name, pg_get_constraintdef(oid) AS def,
        confdeltype::text || confupdtype::text AS actions
      FROM pg_constraint WHERE contype = 'f' AND connamespace IN ('public'::regnamespace, 'users'::regnamespace)`;
    expect(keys).toEqual([
      { table: "users.tenant_users", name: "tenant_users_tenant_id_fkey", def: "FOREIGN KEY (tenant_id) REFERENCES tenants(id)", actions: "aa" },
    ]);
  });

  it("public.uuid_generate_v7() makes version-7 ids in time order", async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const [row] = await sql`SELECT public.uuid_generate_v7()::text AS id`;
      ids.push(row?.id as string);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map((id) => id.slice(0, 13))).size).toBe(3);
  });
});

describe("tenant isolation", () => {
  it("no context sees every tenant's memberships (fail-open)", async () => {
    expect(await memberships(sql)).toEqual(sorted([`${A}/${a}`, `${A}/${gone}`, `${B}/${b}`]));
  });

  it("a tenant context sees only its own memberships", async () => {
    expect(await inContext({ tenant: A }, memberships)).toEqual(sorted([`${A}/${a}`, `${A}/${gone}`]));
    expect(await inContext({ tenant: B, user: b }, memberships)).toEqual([`${B}/${b}`]);
  });

  it("users.users and tenants are fully visible in a context (shared; tenants weaker)", async () => {
    const seen = await inContext({ tenant: B, user: b }, async (tx) => ({
      users: (await tx`SELECT id FROM users.users`).map((r) => r.id as string),
      tenants: (await tx`SELECT id FROM tenants`).map((r) => r.id as string),
    }));
    expect(sorted(seen.users)).toEqual(sorted([a, b, gone, outsider]));
    expect(sorted(seen.tenants)).toEqual(sorted([A, B, closed]));
  });

  it("writing another tenant's membership in a context is refused", async () => {
    const insert = await refusal(() =>
      inContext({ tenant: A, user: a }, (tx) => tx`INSERT INTO users.tenant_users (tenant_id, user_id) VALUES (${B}, ${outsider})`),
    );
    expect(insert).toMatchObject({ code: "42501", message: expect.stringContaining("row-level security") });
    const move = await refusal(() => inContext({ tenant: A }, (tx) => tx`UPDATE users.tenant_users SET tenant_id = ${B} WHERE user_id = ${a}`));
    expect(move.code).toBe("42501");
    // Another tenant's rows are not there to update: nothing happens.
    expect(await inContext({ tenant: A }, (tx) => tx`UPDATE users.tenant_users SET roles = '{x}' WHERE tenant_id = ${B}`.then((r) => r.count))).toBe(0);
  });
});

describe("context checks", () => {
  it("a user who is not a member is refused with Nile's text, also on statements touching only users or tenants", async () => {
    for (const statement of ["SELECT * FROM users.tenant_users", "SELECT * FROM users.users", "SELECT * FROM tenants"]) {
      const refused = await refusal(() => inContext({ tenant: A, user: outsider }, (tx) => tx.unsafe(statement)));
      expect(refused).toEqual({ code: "42501", message: "user is not authorized to access this tenant" });
    }
    // A member of the other tenant is no member of this one.
    expect((await refusal(() => inContext({ tenant: A, user: b }, (tx) => tx`SELECT * FROM users.users`))).message).toBe(
      "user is not authorized to access this tenant",
    );
  });

  it("a user without a tenant is refused", async () => {
    for (const statement of ["SELECT * FROM users.users", `UPDATE users.users SET name = 'x' WHERE id = '${outsider}'`]) {
      const refused = await refusal(() => inContext({ user: a }, (tx) => tx.unsafe(statement)));
      expect(refused).toEqual({ code: "42501", message: "you must set a tenant context before setting the user context" });
    }
  });

  it("an unknown tenant is refused, also on a write of no rows", async () => {
    const unknown = randomUUID();
    for (const statement of ["SELECT * FROM tenants", `DELETE FROM users.users WHERE id = '${randomUUID()}'`]) {
      const refused = await refusal(() => inContext({ tenant: unknown }, (tx) => tx.unsafe(statement)));
      expect(refused).toEqual({ code: "42704", message: `tenant ${unknown} not found` });
    }
  });

  it("a soft-deleted membership is still admitted (unknown on Nile: the weaker check)", async () => {
    expect(await inContext({ tenant: A, user: gone }, memberships)).toEqual(sorted([`${A}/${a}`, `${A}/${gone}`]));
  });

  it("a soft-deleted tenant is still a context (unknown on Nile: the weaker check)", async () => {
    expect(await inContext({ tenant: closed }, async (tx) => (await tx`SELECT id FROM tenants WHERE deleted IS NOT NULL`).map((r) => r.id as string))).toEqual([
      closed,
    ]);
    expect(await inContext({ tenant: closed }, memberships)).toEqual([]);
  });

  it("changing nile.tenant_id after the transaction's first query is refused", async () => {
    const refused = await refusal(() =>
      sql.begin(async (tx) => {
        await tx`SELECT count(*) FROM users.users`;
        await tx.unsafe(`SET LOCAL nile.tenant_id = '${A}'`);
        await tx`SELECT count(*) FROM users.users`;
      }),
    );
    expect(refused).toEqual({ code: "25001", message: "changing nile.tenant_id within a transaction is only allowed before any queries are performed" });
  });
});

describe("transaction shape", () => {
  const oneScope = { code: "0A000", message: expect.stringContaining("one transaction may write one tenant, or shared tables, not both") };

  it("users and tenant_users written in one transaction are refused, in either order", async () => {
    const user = randomUUID();
    expect(
      await refusal(() =>
        sql.begin(async (tx) => {
          await tx`INSERT INTO users.users (id, email) VALUES (${user}, ${`${user}@example.test`})`;
          await tx`INSERT INTO users.tenant_users (tenant_id, user_id) VALUES (${A}, ${user})`;
        }),
      ),
    ).toMatchObject(oneScope);
    expect(
      await refusal(() =>
        inContext({ tenant: A, user: a }, async (tx) => {
          await tx`UPDATE users.tenant_users SET roles = '{owner,admin}' WHERE user_id = ${a}`;
          await tx`UPDATE users.users SET name = 'A' WHERE id = ${a}`;
        }),
      ),
    ).toMatchObject(oneScope);
  });

  it("two tenants' memberships in one transaction are refused", async () => {
    const refused = await refusal(() =>
      sql.begin(async (tx) => {
        await tx`INSERT INTO users.tenant_users (tenant_id, user_id) VALUES (${A}, ${outsider})`;
        await tx`INSERT INTO users.tenant_users (tenant_id, user_id) VALUES (${B}, ${outsider})`;
      }),
    );
    expect(refused).toMatchObject(oneScope);
  });

  it("one statement naming two tenants is refused", async () => {
    const twoMemberships = await refusal(() => sql`INSERT INTO users.tenant_users (tenant_id, user_id) VALUES (${A}, ${outsider}), (${B}, ${outsider})`);
    expect(twoMemberships.code).toBe("0A000");
    const twoTenants = await refusal(() => sql`INSERT INTO tenants (name) VALUES ('C'), ('D')`);
    expect(twoTenants).toEqual({ code: "0A000", message: "cannot set tenant_id more than once" });
    const renameBoth = await refusal(() => sql`UPDATE tenants SET name = name || '!'`);
    expect(renameBoth).toEqual({ code: "0A000", message: "cannot set tenant_id more than once" });
  });

  it("a tenant and its owner membership in one transaction are refused (tenants count as shared)", async () => {
    const tenant = randomUUID();
    const refused = await refusal(() =>
      sql.begin(async (tx) => {
        await tx`INSERT INTO tenants (id, name) VALUES (${tenant}, 'C')`;
        await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles) VALUES (${tenant}, ${outsider}, '{owner}')`;
      }),
    );
    expect(refused).toMatchObject(oneScope);
  });

  it("the allowed shapes pass: one tenant's rows in a transaction, shared rows in another", async () => {
    const tenant = randomUUID();
    const user = randomUUID();
    await sql`INSERT INTO tenants (id, name) VALUES (${tenant}, 'C')`;
    await sql.begin(async (tx) => {
      await tx`INSERT INTO users.users (id, email) VALUES (${user}, ${`${user}@example.test`})`;
      await tx`UPDATE users.users SET name = 'Outsider' WHERE id = ${outsider}`;
    });
    await inContext({ tenant }, async (tx) => {
      await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles) VALUES (${tenant}, ${user}, '{owner}')`;
      await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles) VALUES (${tenant}, ${outsider}, '{member}')`;
    });
    expect(await inContext({ tenant, user }, memberships)).toEqual(sorted([`${tenant}/${user}`, `${tenant}/${outsider}`]));
  });
});

describe("time zone", () => {
  // The embedded engine is one session that ignores startup parameters, so its zone is UTC
  // for every client and neither the non-UTC default nor the pin can be told apart there.
  it.skipIf(!onServer)("the default TimeZone is not UTC, so a client that forgets the pin reads wrong times", async () => {
    const [row] = await sql`SELECT current_setting('TimeZone') AS zone, LOCALTIMESTAMP = (now() AT TIME ZONE 'UTC') AS utc`;
    expect(row).toEqual({ zone: "America/New_York", utc: false });
  });

  it("a client that passes TimeZone=UTC at startup gets UTC", async () => {
    const pinned = postgres(db.url, { max: 1, onnotice: () => {}, connection: { TimeZone: "UTC" } });
    try {
      const [row] = await pinned`SELECT current_setting('TimeZone') AS zone, LOCALTIMESTAMP = (now() AT TIME ZONE 'UTC') AS utc`;
      expect(row).toEqual({ zone: "UTC", utc: true });
    } finally {
      await pinned.end();
    }
  });
});
