import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql as drizzleSql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type DatabaseClient } from "../src/client";
import { readInTenant, withSystem, withTenant, withTenantScope } from "../src/context";
import { listMembers } from "../src/data";
import type { Executor } from "../src/data/actor";
import { readDbEnv } from "../src/env";
import { isDataError } from "../src/errors";
import { defaultMigrationsFolder, migrate } from "../src/migrate";
import { tenantUsers, users } from "../src/schema";
import { isNileTarget } from "../src/target";
import { openTestClient, type TestClient } from "../src/testing";

// Probes: one `it` per behaviour that nile-emulation.sql and the data layer's NileDB path
// assume of NileDB (spec /work/shared/spec/niledb-target.md §2, §7d "Only a real Nile can
// settle"). They run twice over:
// - `test:nile` (vitest.nile-real.config.ts), against the real NileDB database at NILEDB_URL:
//   one shared database, never created or dropped here; it is migrated with the nile journal
//   (idempotent) and the probes write only rows of their own, which afterAll deletes;
// - `test:nile-shaped` (vitest.nile.config.ts, on a server), against the emulation, so the
//   emulation is held to the same assumptions.
// A probe that fails against a real NileDB means NileDB behaves otherwise than assumed.
// Rows: fresh uuids, tenants named `nile-probe …`, users `…@nile-probe.invalid`. Two runs
// against one database at the same time would sweep each other's rows (see afterAll).

const HINT = "update nile-emulation.sql (and README's Running on NileDB) if NileDB does this differently";
const because = (rule: string, extra = "") => `${rule}: ${HINT}${extra ? ` (${extra})` : ""}`;
const EMAIL_DOMAIN = "nile-probe.invalid";
const TENANT_PREFIX = "nile-probe ";

const env = readDbEnv();
// The real NileDB database: NILEDB_URL on its own (test:nile refuses DATABASE_URL beside it).
const realNileUrl = isNileTarget(env) && env.DATABASE_URL === undefined ? env.NILEDB_URL : undefined;

let shaped: TestClient | undefined;
let url: string;
let sql: postgres.Sql;
let client: DatabaseClient;
let connected = false; // sql is open

// Tenants A and B; a (owner of A), b (owner of B), gone (of A, soft-deleted), outsider (of none),
// and users only the probes below write memberships for.
const A = randomUUID();
const B = randomUUID();
const a = randomUUID();
const b = randomUUID();
const gone = randomUUID();
const outsider = randomUUID();
const drifter = randomUUID(); // written into A and B in one transaction
const founder = randomUUID(); // written with a tenant in one transaction
const drizzled = randomUUID(); // drizzle's UPDATE/DELETE/ON CONFLICT
const taken = randomUUID(); // holds a live email another insert tries to take
const everyUser = [a, b, gone, outsider, drifter, founder, drizzled, taken];
const madeTenants = new Set<string>([A, B]);
const emailOf = (id: string) => `${id}@${EMAIL_DOMAIN}`;

type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string; error: unknown };

async function outcome<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  return work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => {
      const { code, message } = error as { code?: unknown; message?: unknown };
      return { ok: false as const, code: typeof code === "string" ? code : "(none)", message: String(message), error };
    },
  );
}

/** What NileDB did, in the run's output: the probes record the refusals they see. */
const record = (rule: string, seen: Outcome<unknown>) =>
  console.log(`nile-probe: ${rule}: ${seen.ok ? "allowed" : `refused, SQLSTATE ${seen.code}: ${seen.message}`}`);

/** A transaction that sets the Nile context first, as the nile target does. */
function inContext<T>(context: { tenant?: string; user?: string; readOnly?: boolean }, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  const body = async (tx: postgres.TransactionSql) => {
    if (context.tenant) await tx.unsafe(`SET LOCAL nile.tenant_id = '${context.tenant}'`);
    if (context.user) await tx.unsafe(`SET LOCAL nile.user_id = '${context.user}'`);
    return work(tx);
  };
  return (context.readOnly ? sql.begin("read only", body) : sql.begin(body)) as Promise<T>;
}

const tenantIdsOf = (rows: readonly { tenant_id: string }[]) => [...new Set(rows.map((row) => row.tenant_id))].sort();

beforeAll(async () => {
  if (!isNileTarget(env)) throw new Error("nile-probes runs on NileDB only: `pnpm test:nile` (NILEDB_URL) or `pnpm test:nile-shaped`");
  if (realNileUrl) {
    url = realNileUrl;
    await migrate(url, { folder: defaultMigrationsFolder("nile") });
  } else {
    shaped = await openTestClient({ max: 1 });
    url = shaped.database.url;
  }
  sql = postgres(url, { max: 2, onnotice: () => {}, connection: { application_name: "nile-probes", TimeZone: "UTC" } });
  connected = true;
  client = createClient(url, { target: "nile", max: 2, applicationName: "nile-probes" });
  // As NileDB's own code writes them: each tenant, then the users, outside any context; then
  // each tenant's memberships in that tenant's context.
  for (const [id, label] of [
    [A, "A"],
    [B, "B"],
  ] as const)
    await sql`INSERT INTO tenants (id, name) VALUES (${id}, ${`${TENANT_PREFIX}${label}`})`;
  for (const id of everyUser) await sql`INSERT INTO users.users (id, email) VALUES (${id}, ${emailOf(id)})`;
  await inContext({ tenant: A }, async (tx) => {
    await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles, email) VALUES (${A}, ${a}, '{owner}', ${emailOf(a)})`;
    await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles, email, deleted) VALUES (${A}, ${gone}, '{member}', ${emailOf(gone)}, LOCALTIMESTAMP)`;
  });
  await inContext({ tenant: B }, (tx) => tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles, email) VALUES (${B}, ${b}, '{owner}', ${emailOf(b)})`);
});

afterAll(async () => {
  try {
    if (connected) await cleanUp();
  } finally {
    await client?.close();
    if (connected) await sql.end({ timeout: 5 });
    await shaped?.close();
  }
});

// The probes' rows, and any a run that stopped midway left: memberships per tenant (one
// tenant per transaction, its context first), then tenants one per transaction, then users.
// Read outside any context, where NileDB shows every tenant. Then checked: nothing is left.
async function cleanUp(): Promise<void> {
  const probeUsers = sql`SELECT id FROM users.users WHERE email LIKE ${`%@${EMAIL_DOMAIN}`}`;
  // Only tenants that exist: NileDB refuses a context naming any other (the refused probes'
  // tenants were never written).
  const existing = await sql<{ id: string }[]>`SELECT id FROM tenants WHERE name LIKE ${`${TENANT_PREFIX}%`} OR id IN ${sql([...madeTenants])}`;
  const probeTenants = existing.map((row) => row.id);
  const holding = await sql<{ tenant_id: string }[]>`SELECT DISTINCT tenant_id FROM users.tenant_users
    WHERE user_id IN (${probeUsers}) OR user_id IN ${sql(everyUser)} OR email LIKE ${`%@${EMAIL_DOMAIN}`}`;
  for (const tenant of new Set([...probeTenants, ...holding.map((row) => row.tenant_id)])) {
    const whole = probeTenants.includes(tenant);
    await inContext({ tenant }, (tx) =>
      whole
        ? tx`DELETE FROM users.tenant_users WHERE tenant_id = ${tenant}`
        : tx`DELETE FROM users.tenant_users WHERE tenant_id = ${tenant}
            AND (user_id IN (${probeUsers}) OR user_id IN ${sql(everyUser)} OR email LIKE ${`%@${EMAIL_DOMAIN}`})`,
    );
  }
  for (const tenant of probeTenants) await sql.begin((tx) => tx`DELETE FROM tenants WHERE id = ${tenant}`);
  await sql.begin((tx) => tx`DELETE FROM users.users WHERE email LIKE ${`%@${EMAIL_DOMAIN}`} OR id IN ${sql(everyUser)}`);

  const [left] = await sql<{ users: number; memberships: number; tenants: number }[]>`SELECT
    (SELECT count(*)::int FROM users.users WHERE email LIKE ${`%@${EMAIL_DOMAIN}`} OR id IN ${sql(everyUser)}) AS users,
    (SELECT count(*)::int FROM users.tenant_users WHERE email LIKE ${`%@${EMAIL_DOMAIN}`} OR user_id IN ${sql(everyUser)}
       OR tenant_id IN ${sql([...madeTenants, ...probeTenants])}) AS memberships,
    (SELECT count(*)::int FROM tenants WHERE name LIKE ${`${TENANT_PREFIX}%`} OR id IN ${sql([...madeTenants, ...probeTenants])}) AS tenants`;
  expect(left, `the probes' cleanup left rows with @${EMAIL_DOMAIN} behind`).toEqual({ users: 0, memberships: 0, tenants: 0 });
}

describe("isolation", () => {
  it("no context sees every tenant's memberships (fail-open)", async () => {
    const rows = await sql<{ tenant_id: string }[]>`SELECT tenant_id FROM users.tenant_users WHERE tenant_id IN (${A}, ${B})`;
    expect(tenantIdsOf(rows), because("a connection without nile.tenant_id sees every tenant's tenant_users rows")).toEqual([A, B].sort());
  });

  it("a tenant context sees only its own tenant_users rows and every users.users row", async () => {
    const { memberships, shared } = await inContext({ tenant: A }, async (tx) => ({
      memberships: await tx<{ tenant_id: string }[]>`SELECT tenant_id FROM users.tenant_users WHERE tenant_id IN (${A}, ${B})`,
      shared: await tx<{ id: string }[]>`SELECT id FROM users.users WHERE id IN ${tx(everyUser)}`,
    }));
    expect(tenantIdsOf(memberships), because("under nile.tenant_id = A, tenant_users shows A's rows only")).toEqual([A]);
    expect(shared.map((row) => row.id).sort(), because("users.users is shared: every row is visible in a tenant context")).toEqual([...everyUser].sort());
  });
});

describe("context checks", () => {
  it("SET LOCAL nile.tenant_id after another statement in the transaction is refused", async () => {
    const seen = await outcome(() =>
      sql.begin(async (tx) => {
        await tx`SELECT count(*) FROM users.tenant_users WHERE tenant_id = ${A}`;
        await tx.unsafe(`SET LOCAL nile.tenant_id = '${A}'`);
        return tx`SELECT count(*) FROM users.tenant_users WHERE tenant_id = ${A}`;
      }),
    );
    record("nile.tenant_id set after a query", seen);
    expect(seen.ok, because("changing nile.tenant_id after the transaction's first query is refused")).toBe(false);
  });

  it("an unknown tenant in context is refused (and withTenant reports not_found)", async () => {
    const unknown = randomUUID();
    const seen = await outcome(() => inContext({ tenant: unknown }, (tx) => tx`SELECT tenant_id FROM users.tenant_users`));
    record("unknown tenant in context", seen);
    expect(seen.ok, because("a context naming a tenant that does not exist is refused")).toBe(false);
    const entered = await outcome(() => withTenant(client.db, { tenantId: unknown, userId: a }, (tx) => tx.select().from(tenantUsers)));
    expect(
      !entered.ok && isDataError(entered.error, "not_found"),
      because(
        "withTenant on an unknown tenant is DataError not_found (context.ts maps 42704/42501)",
        entered.ok ? "entered" : `${entered.code}: ${entered.message}`,
      ),
    ).toBe(true);
  });

  it("a user id without a tenant is refused", async () => {
    const seen = await outcome(() => inContext({ user: a }, (tx) => tx`SELECT id FROM users.users WHERE id = ${a}`));
    record("nile.user_id without nile.tenant_id", seen);
    expect(seen.ok, because("nile.user_id without nile.tenant_id is refused")).toBe(false);
  });

  it("a non-member user id is refused with SQLSTATE 42704 or 42501 (what context.ts maps to not_found)", async () => {
    const seen = await outcome(() => inContext({ tenant: A, user: outsider }, (tx) => tx`SELECT tenant_id FROM users.tenant_users`));
    record("non-member nile.user_id", seen);
    expect(seen.ok, because("nile.user_id of a user who is not a member of nile.tenant_id is refused")).toBe(false);
    expect(
      ["42704", "42501"],
      because("the refusal's SQLSTATE is one context.ts maps to not_found; else update contextError() too", seen.ok ? "" : seen.message),
    ).toContain(seen.ok ? "none" : seen.code);
  });

  it("a soft-deleted membership: whatever NileDB does, the data layer's own liveness check refuses it", async () => {
    const seen = await outcome(() => inContext({ tenant: A, user: gone }, (tx) => tx`SELECT tenant_id FROM users.tenant_users WHERE tenant_id = ${A}`));
    // Recorded, not asserted: the emulation admits it on purpose ([unknown-weaker]).
    record("nile.user_id of a soft-deleted member", seen);
    const entered = await outcome(() => withTenant(client.db, { tenantId: A, userId: gone }, (tx) => tx.select().from(tenantUsers)));
    expect(
      !entered.ok && isDataError(entered.error, "not_found"),
      because("withTenant for a soft-deleted member is DataError not_found", entered.ok ? "entered" : `${entered.code}: ${entered.message}`),
    ).toBe(true);
  });
});

describe("transaction shapes", () => {
  it("writing a tenant and a membership in one transaction is refused", async () => {
    const tenant = randomUUID();
    madeTenants.add(tenant);
    const seen = await outcome(() =>
      sql.begin(async (tx) => {
        await tx`INSERT INTO tenants (id, name) VALUES (${tenant}, ${`${TENANT_PREFIX}founded`})`;
        await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles, email) VALUES (${tenant}, ${founder}, '{owner}', ${emailOf(founder)})`;
      }),
    );
    record("a tenant and its membership in one transaction", seen);
    expect(
      seen.ok,
      because(
        "a tenant and a membership cannot be written in one transaction",
        "NileDB allowed it: relax the emulation's [unknown-stricter] `tenants count as shared` rule, and createTenant may then write both in one transaction",
      ),
    ).toBe(false);
  });

  it("writes to two tenants in one transaction are refused", async () => {
    const seen = await outcome(() =>
      sql.begin(async (tx) => {
        await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles, email) VALUES (${A}, ${drifter}, '{member}', ${emailOf(drifter)})`;
        await tx`INSERT INTO users.tenant_users (tenant_id, user_id, roles, email) VALUES (${B}, ${drifter}, '{member}', ${emailOf(drifter)})`;
      }),
    );
    record("two tenants written in one transaction", seen);
    expect(seen.ok, because("one transaction writes one tenant's rows")).toBe(false);
  });

  it('a multi-row INSERT INTO tenants is refused ("cannot set tenant_id more than once")', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    madeTenants.add(first).add(second);
    const seen = await outcome(
      () => sql`INSERT INTO tenants (id, name) VALUES (${first}, ${`${TENANT_PREFIX}first`}), (${second}, ${`${TENANT_PREFIX}second`})`,
    );
    record("multi-row INSERT INTO tenants", seen);
    expect(seen.ok, because("one statement names one tenant: a multi-row INSERT INTO tenants is refused")).toBe(false);
  });
});

describe("driver and protocol", () => {
  it("the TimeZone startup parameter is honoured (SHOW TimeZone is UTC through createClient)", async () => {
    const rows = await withSystem(client.db, (tx) => tx.execute<{ TimeZone: string }>(drizzleSql`SHOW TimeZone`));
    expect(rows[0]?.TimeZone, because("the TimeZone startup parameter reaches the session")).toBe("UTC");
  });

  it("BEGIN READ ONLY + SET LOCAL nile.tenant_id works", async () => {
    const raw = await inContext(
      { tenant: A, readOnly: true },
      (tx) => tx<{ tenant_id: string }[]>`SELECT tenant_id FROM users.tenant_users WHERE tenant_id IN (${A}, ${B})`,
    );
    expect(tenantIdsOf(raw), because("a read-only transaction takes SET LOCAL nile.tenant_id and is scoped by it")).toEqual([A]);
    const read = await readInTenant(client.db, { tenantId: A, userId: a }, (tx) =>
      tx
        .select({ tenant_id: tenantUsers.tenantId })
        .from(tenantUsers)
        .where(inArray(tenantUsers.tenantId, [A, B])),
    );
    expect(tenantIdsOf(read), because("readInTenant (BEGIN READ ONLY; SET LOCAL … in one message) is scoped to its tenant")).toEqual([A]);
  });

  it("named prepared statements work (postgres.js prepare: true, the data layer's prepared member pages)", async () => {
    const prepared = postgres(url, { max: 1, prepare: true, onnotice: () => {}, connection: { TimeZone: "UTC" } });
    try {
      for (let round = 0; round < 3; round++) {
        const rows = await prepared.begin(async (tx) => {
          await tx.unsafe(`SET LOCAL nile.tenant_id = '${A}'`);
          return tx<{ user_id: string }[]>`SELECT user_id FROM users.tenant_users WHERE tenant_id = ${A} AND deleted IS NULL`;
        });
        expect(
          rows.map((row) => row.user_id),
          because("a named prepared statement runs again on the same connection", `round ${round}`),
        ).toEqual([a]);
      }
    } finally {
      await prepared.end({ timeout: 5 });
    }
    for (let round = 0; round < 2; round++) {
      const page = await readInTenant(client.db, { tenantId: A, userId: a }, (tx) => listMembers(tx));
      expect(
        page.members.map((member) => member.userId),
        because("listMembers' prepared statement runs through readInTenant", `round ${round}`),
      ).toEqual([a]);
    }
  });

  it("FOR UPDATE on a tenants row inside a tenant context works", async () => {
    const rows = await inContext({ tenant: A }, (tx) => tx<{ id: string }[]>`SELECT id FROM tenants WHERE id = ${A} FOR UPDATE`);
    expect(
      rows.map((row) => row.id),
      because("the tenant's own row can be locked in its context"),
    ).toEqual([A]);
  });

  it("drizzle's three-part column refs in UPDATE, DELETE and ON CONFLICT on users.tenant_users work", async () => {
    const where = and(eq(tenantUsers.tenantId, A), eq(tenantUsers.userId, drizzled));
    const upsert = (roles: string[]) => (tx: Pick<Executor, "insert">) =>
      tx
        .insert(tenantUsers)
        .values({ tenantId: A, userId: drizzled, roles, email: emailOf(drizzled) })
        .onConflictDoUpdate({
          target: [tenantUsers.tenantId, tenantUsers.userId],
          set: { roles: drizzleSql`excluded.roles`, updated: drizzleSql`excluded.updated` },
          setWhere: drizzleSql`${tenantUsers.deleted} IS NULL`,
        })
        .returning({ roles: tenantUsers.roles });
    // What drizzle sends: the columns qualified by schema and table.
    const threePart = /"users"\."tenant_users"\."/;
    expect(upsert(["member"])(client.db).toSQL().sql).toMatch(threePart);
    expect(
      client.db
        .update(tenantUsers)
        .set({ roles: ["admin"] })
        .where(where)
        .toSQL().sql,
    ).toMatch(threePart);
    expect(client.db.delete(tenantUsers).where(where).toSQL().sql).toMatch(threePart);

    const steps = await outcome(() =>
      withTenantScope(client.db, A, null, async (tx) => {
        const inserted = await upsert(["member"])(tx);
        const conflicted = await upsert(["viewer"])(tx);
        const updated = await tx
          .update(tenantUsers)
          .set({ roles: ["admin"] })
          .where(where)
          .returning({ roles: tenantUsers.roles });
        const deleted = await tx.delete(tenantUsers).where(where).returning({ userId: tenantUsers.userId });
        return { inserted, conflicted, updated, deleted };
      }),
    );
    if (!steps.ok) record("drizzle's UPDATE/DELETE/ON CONFLICT on users.tenant_users", steps);
    expect(
      steps.ok ? steps.value : `${steps.code}: ${steps.message}`,
      because('drizzle\'s statements on users.tenant_users, columns as "users"."tenant_users"."…"'),
    ).toEqual({
      inserted: [{ roles: ["member"] }],
      conflicted: [{ roles: ["viewer"] }],
      updated: [{ roles: ["admin"] }],
      deleted: [{ userId: drizzled }],
    });
  });

  it("ON CONFLICT DO NOTHING on users with an existing live email does nothing (users_email_key)", async () => {
    const email = emailOf(taken);
    const [byDrizzle, byTarget] = [randomUUID(), randomUUID()];
    const inserted = await withSystem(client.db, async (tx) => ({
      // As findOrCreateUsers does it: no conflict target.
      untargeted: await tx.insert(users).values({ id: byDrizzle, email }).onConflictDoNothing().returning({ id: users.id }),
      // Naming the partial unique index's columns and predicate.
      targeted: await tx.execute(drizzleSql`INSERT INTO users.users (id, email) VALUES (${byTarget}, ${email})
        ON CONFLICT (email) WHERE deleted IS NULL DO NOTHING RETURNING id`),
    }));
    expect(
      { untargeted: inserted.untargeted.length, targeted: inserted.targeted.length },
      because("an insert of a live user's email conflicts on users_email_key and does nothing"),
    ).toEqual({
      untargeted: 0,
      targeted: 0,
    });
    const holders = await sql<{ id: string }[]>`SELECT id FROM users.users WHERE email = ${email}`;
    expect(
      holders.map((row) => row.id),
      because("the email still has its one user"),
    ).toEqual([taken]);
  });
});
