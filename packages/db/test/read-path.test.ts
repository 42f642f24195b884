import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { isNileTarget } from "../src/target";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/postgres-js";
import { createClient, type AnyTx, type DatabaseClient, type TenantTx } from "../src/client";
import * as schema from "../src/schema";
import { readAsUser, readInTenant, withTenant } from "../src/context";
import { addMember, findUserByEmail, findUserById, listMembers, listMyTenants } from "../src/data";
import { readDbEnv } from "../src/env";
import { everything, failure, signUp, workspace, type Workspace } from "./support/actors";
import { errorText } from "./support/world";
import { useTestDatabase } from "../src/testing/vitest";
import { countingTrips, droppingFirst } from "./support/trips";
import { connectTo, sqlstate } from "../src/testing";

// The read path: each statement its own transaction, BEGIN READ ONLY + context + statement +
// COMMIT in one write. It must see exactly what withTenant sees, carry the context into every
// statement, refuse writes, and leave nothing behind on the pooled connection.
const ctx = useTestDatabase();
const onServer = readDbEnv().DATABASE_URL !== undefined;
let team: Workspace;

beforeAll(async () => {
  team = await workspace(ctx.client, "Readers");
  for (let i = 0; i < 4; i++) await team.member(["member"]);
});

const asOwner = () => ({ tenantId: team.tenant.id, userId: team.owner.id });
// Also marks the transaction it runs in (a transaction-local setting) and reports the mark it
// found, which is set only if an earlier statement ran in the same transaction.
const contextRow = (tx: AnyTx) =>
  tx.execute<{ tenant: string; user: string; role: string; earlier: string }>(sql`
    SELECT current_setting('nile.tenant_id', true) AS tenant, current_setting('nile.user_id', true) AS "user",
           current_user AS role, coalesce(current_setting('penguinmails_test.mark', true), '') AS earlier,
           set_config('penguinmails_test.mark', 'seen', true) AS mark`);

describe("readInTenant and readAsUser", () => {
  it("return what withTenant and withUser return", async () => {
    const viaTransaction = await withTenant(ctx.client.db, asOwner(), (tx) => listMembers(tx));
    const viaReadPath = await readInTenant(ctx.client.db, asOwner(), (tx) => listMembers(tx));
    expect(viaReadPath.members).toHaveLength(5);
    expect(viaReadPath).toEqual(viaTransaction);
    expect(await readInTenant(ctx.client.db, asOwner(), (tx) => findUserById(tx, team.owner.id))).toMatchObject({ id: team.owner.id });

    const mine = await readAsUser(ctx.client.db, { userId: team.owner.id }, (tx) => listMyTenants(tx));
    expect(mine.map((t) => t.id)).toEqual([team.tenant.id]);
  });

  it("runs every statement in the context, each as a transaction of its own", async () => {
    const [first, second] = await readInTenant(ctx.client.db, asOwner(), async (tx) => [(await contextRow(tx))[0]!, (await contextRow(tx))[0]!]);
    for (const row of [first, second]) {
      // Engine difference (NileDB): no roles there; statements run as the login.
      const role = ctx.database.engine === "nile" ? "nile_developer" : "penguinmails_app";
      expect(row).toMatchObject({ tenant: team.tenant.id, user: team.owner.id, role });
    }
    expect(second.earlier).toBe("");
    // Inside withTenant the second statement finds the first one's mark.
    const [, more] = await withTenant(ctx.client.db, asOwner(), async (tx) => [(await contextRow(tx))[0]!, (await contextRow(tx))[0]!]);
    expect(more.earlier).toBe("seen");
  });

  // Engine difference (NileDB-shaped): a bare drizzle client does not open contexts as NileDB
  // expects; there data-users.test.ts runs the same lookups through createClient's nile target.
  it.skipIf(isNileTarget())("finds a member by id or by email in one statement and one round trip, the membership check and the entry included", async () => {
    const lookups = await workspace(ctx.client, "Lookups");
    const member = await lookups.member(["member"]);
    const asItsOwner = { tenantId: lookups.tenant.id, userId: lookups.owner.id };
    const sent: string[] = [];
    const { options, trips } = countingTrips(ctx.database.url);
    const traced = postgres(ctx.database.url, { ...options, debug: (_connection, text) => sent.push(text) });
    try {
      const db = drizzle(traced, { schema });
      for (const find of [(tx: TenantTx) => findUserById(tx, member.id), (tx: TenantTx) => findUserByEmail(tx, member.email)]) {
        // A new client first asks about the server (array types, Citus): not part of the read.
        await readInTenant(db, asItsOwner, find);
        sent.length = 0;
        const before = trips();
        expect(await readInTenant(db, asItsOwner, find)).toMatchObject({ id: member.id });
        expect(sent.filter((text) => text.includes('"users".'))).toHaveLength(1);
        // BEGIN, the setup (prepared once per connection), the lookup and COMMIT in one write.
        expect(trips() - before).toBe(1);
      }
    } finally {
      await traced.end();
    }
  });

  // Engine difference (NileDB-shaped): nothing is asked there (no Citus to tell apart).
  it.skipIf(isNileTarget())("recovers when the connection drops while a new client asks whether the database is Citus", async () => {
    const { options, seen } = droppingFirst(ctx.database.url, "pg_extension");
    const dropping = postgres(ctx.database.url, options);
    try {
      const db = drizzle(dropping, { schema });
      const error = await failure(readInTenant(db, asOwner(), (tx) => listMembers(tx)));
      expect(error.code).toBe("unavailable");
      expect(seen()).toBe(1);
      // The failed question is forgotten: the next context asks it again and is served.
      const { members } = await readInTenant(db, asOwner(), (tx) => listMembers(tx));
      expect(members.map((m) => m.userId)).toContain(team.owner.id);
      expect(seen()).toBe(2);
      // The answer is kept: later contexts do not ask.
      await readInTenant(db, asOwner(), (tx) => listMembers(tx));
      await withTenant(db, asOwner(), (tx) => listMembers(tx));
      expect(seen()).toBe(2);
    } finally {
      await dropping.end();
    }
  });

  it("sees nothing for someone who is not a member, and refuses a malformed id before any SQL", async () => {
    const stranger = await signUp(ctx.client);
    const refused = await failure(readInTenant(ctx.client.db, { tenantId: team.tenant.id, userId: stranger.id }, (tx) => listMembers(tx)));
    expect(refused).toMatchObject({ code: "not_found" });

    let ran = false;
    const malformed = await failure(
      readInTenant(ctx.client.db, { tenantId: "not-a-uuid", userId: team.owner.id }, () => {
        ran = true;
        return Promise.resolve();
      }),
    );
    expect(malformed).toMatchObject({ code: "validation", fields: [{ field: "tenantId" }] });
    expect(ran).toBe(false);
  });

  it("refuses a write (the transaction is read only) and changes nothing", async () => {
    const before = await everything(ctx.client);
    const code = await sqlstate(
      readInTenant(ctx.client.db, asOwner(), (tx) => addMember(tx, { email: `new-${randomUUID()}@example.test`, roles: ["member"] })),
    );
    expect(code).toBe("25006"); // read_only_sql_transaction
    expect(await everything(ctx.client)).toBe(before);
  });

  it("leaves the pooled connection clean, after a success and after a failed statement", async () => {
    const pool: DatabaseClient = connectTo(ctx.database, { max: 1 });
    try {
      await readInTenant(pool.db, asOwner(), (tx) => listMembers(tx));
      expect(await sqlstate(readInTenant(pool.db, asOwner(), (tx) => tx.execute(sql`SELECT * FROM no_such_table`)))).toBe("42P01");
      const [session] = await pool.sql`
        SELECT current_setting('nile.tenant_id', true) AS tenant, current_setting('nile.user_id', true) AS "user",
               current_user = session_user AS own_role, set_config('penguinmails_test.mark', 'seen', true) AS mark`;
      expect(session).toMatchObject({ tenant: "", user: "", own_role: true });
      // No transaction left open: the next statement does not find the mark.
      const [next] = await pool.sql`SELECT coalesce(current_setting('penguinmails_test.mark', true), '') AS earlier`;
      expect(next).toEqual({ earlier: "" });
      // And the connection still serves the next request.
      expect((await readInTenant(pool.db, asOwner(), (tx) => listMembers(tx))).members).toHaveLength(5);
    } finally {
      await pool.close();
    }
  });
});

// Needs a login role of its own: PostgreSQL servers only (NileDB has no roles).
describe.runIf(onServer && !isNileTarget())("readInTenant when the context cannot be set", () => {
  // A login that may not take penguinmails_app: setting the context fails.
  const outsider = `pm_login_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const asSuperuser = async (statement: string) => {
    const owner = postgres(ctx.database.url, { max: 1, onnotice: () => {} });
    try {
      await owner.unsafe(statement);
    } finally {
      await owner.end();
    }
  };
  beforeAll(async () => {
    await asSuperuser(`CREATE ROLE ${outsider} LOGIN NOSUPERUSER NOBYPASSRLS`);
    await asSuperuser(`GRANT CONNECT ON DATABASE ${new URL(ctx.database.url).pathname.slice(1)} TO ${outsider}`);
  });
  afterAll(async () => {
    await asSuperuser(`REVOKE CONNECT ON DATABASE ${new URL(ctx.database.url).pathname.slice(1)} FROM ${outsider}`);
    await asSuperuser(`DROP ROLE IF EXISTS ${outsider}`);
  });

  it("never runs the statement outside the context: it fails with the setup's error", async () => {
    const url = new URL(ctx.database.url);
    url.username = outsider;
    url.password = "";
    const pool = createClient(url.toString(), { max: 1 });
    try {
      // The role and the entry check share one SELECT: the helper's schema is refused first.
      expect(await errorText(readInTenant(pool.db, asOwner(), (tx) => contextRow(tx)))).toMatch(
        /permission denied (to set role "penguinmails_app"|for schema penguinmails_rls)/,
      );
    } finally {
      await pool.close();
    }
  });
});
