import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withTenant, withUser, withSystem, withoutContext } from "../src/context";
import { tenants, tenantUsers, users } from "../src/schema";
import type { AnyTx } from "../src/client";
import { makeTenantWithMember, addMembership, rowText, errorText, type Member } from "./support/world";
import { sqlstate } from "../src/testing";
import { useTestDatabase } from "../src/testing/vitest";

// Every table x every command x {tenant A, tenant B, no context}, as penguinmails_app.
const ctx = useTestDatabase();
let a: Member;
let b: Member;

beforeAll(async () => {
  a = await makeTenantWithMember(ctx.client);
  b = await makeTenantWithMember(ctx.client);
});

type Context = "A" | "B" | "none";
const contexts: Context[] = ["A", "B", "none"];

// "none" is the runtime role with no context at all, the way a forgotten context would run.
function run<T>(context: Context, work: (tx: AnyTx) => Promise<T>): Promise<T> {
  if (context === "none") {
    return withoutContext(ctx.client.db, work);
  }
  const member = context === "A" ? a : b;
  return withTenant(ctx.client.db, { tenantId: member.tenantId, userId: member.userId }, work);
}

// On Citus a tenant context reads every user row (migration 0008: Citus refuses the
// membership sub-query in a policy); the data layer reaches users only through memberships.
const tenantSeesEveryUser = (context: Context) => ctx.database.engine === "citus" && context !== "none";
const everyUserId = () => withSystem(ctx.client.db, async (tx) => (await tx.select({ id: users.id }).from(users)).map((r) => r.id));

const snapshot = async () => ({
  tenant: await rowText(ctx.client, "tenants", `id = '${a.tenantId}'`),
  membership: await rowText(ctx.client, "tenant_users", `tenant_id = '${a.tenantId}' AND user_id = '${a.userId}'`),
  user: await rowText(ctx.client, "users", `id = '${a.userId}'`),
});

describe("catalog", () => {
  it("all three tables have row-level security enabled and forced", async () => {
    const rows = await ctx.client.sql`
      SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
      WHERE relname IN ('users', 'tenants', 'tenant_users') AND relnamespace IN ('public'::regnamespace, 'users'::regnamespace) ORDER BY relname`;
    expect(rows).toEqual([
      { relname: "tenant_users", relrowsecurity: true, relforcerowsecurity: true },
      { relname: "tenants", relrowsecurity: true, relforcerowsecurity: true },
      { relname: "users", relrowsecurity: true, relforcerowsecurity: true },
    ]);
  });

  it("penguinmails_app cannot log in, is no superuser, cannot bypass RLS, owns nothing", async () => {
    const [role] = await ctx.client.sql`
      SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'penguinmails_app'`;
    // On Citus it logs in, with no password, to the workers: Citus connects as the current role.
    const logsIn = ctx.database.engine === "citus";
    expect(role).toEqual({ rolcanlogin: logsIn, rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
    const owned = await ctx.client.sql`
      SELECT relname FROM pg_class WHERE relowner = 'penguinmails_app'::regrole
      UNION ALL SELECT proname FROM pg_proc WHERE proowner = 'penguinmails_app'::regrole
      UNION ALL SELECT nspname FROM pg_namespace WHERE nspowner = 'penguinmails_app'::regrole`;
    expect(owned).toEqual([]);
  });

  it("penguinmails_app holds exactly SELECT, INSERT, UPDATE, DELETE on the three tables", async () => {
    const rows = await ctx.client.sql`
      SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) AS privileges
      FROM information_schema.role_table_grants
      WHERE grantee = 'penguinmails_app' AND table_schema IN ('public', 'users') GROUP BY table_name ORDER BY table_name`;
    expect(rows).toEqual(["tenant_users", "tenants", "users"].map((table_name) => ({ table_name, privileges: "DELETE,INSERT,SELECT,UPDATE" })));
  });

  it("every policy has both USING and WITH CHECK where its command allows them", async () => {
    const rows = await ctx.client.sql<{ policyname: string; cmd: string; qual: string | null; with_check: string | null }[]>`
      SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname IN ('public', 'users')`;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      if (row.cmd !== "INSERT") expect(row.qual, row.policyname).not.toBeNull();
      if (row.cmd !== "SELECT" && row.cmd !== "DELETE") expect(row.with_check, row.policyname).not.toBeNull();
    }
  });
});

describe("SELECT by primary key of A's rows", () => {
  it.each(contexts)("in context %s", async (context) => {
    const found = await run(context, async (tx) => ({
      tenants: (await tx.select().from(tenants).where(eq(tenants.id, a.tenantId))).length,
      memberships: (await tx.select().from(tenantUsers).where(eq(tenantUsers.tenantId, a.tenantId))).length,
      users: (await tx.select().from(users).where(eq(users.id, a.userId))).length,
    }));
    const expected = context === "A" ? 1 : 0;
    expect(found).toEqual({ tenants: expected, memberships: expected, users: tenantSeesEveryUser(context) ? 1 : expected });
  });

  it("a context with no filter at all sees only its own tenant's rows", async () => {
    const seen = await run("A", async (tx) => ({
      tenants: (await tx.select({ id: tenants.id }).from(tenants)).map((r) => r.id),
      memberships: (await tx.select({ tenantId: tenantUsers.tenantId }).from(tenantUsers)).map((r) => r.tenantId),
      users: (await tx.select({ id: users.id }).from(users)).map((r) => r.id).sort(),
    }));
    const expectedUsers = tenantSeesEveryUser("A") ? (await everyUserId()).sort() : [a.userId];
    expect(seen).toEqual({ tenants: [a.tenantId], memberships: [a.tenantId], users: expectedUsers });
  });
});

describe("UPDATE of A's rows", () => {
  it.each(contexts)("in context %s", async (context) => {
    const before = await snapshot();
    const changed = await run(context, async (tx) => ({
      tenants: await tx
        .update(tenants)
        .set({ name: `renamed in ${context}` })
        .where(eq(tenants.id, a.tenantId))
        .returning(),
      memberships: await tx
        .update(tenantUsers)
        .set({ roles: ["owner", "admin"] })
        .where(eq(tenantUsers.tenantId, a.tenantId))
        .returning(),
      users: await tx
        .update(users)
        .set({ name: `renamed in ${context}` })
        .where(eq(users.id, a.userId))
        .returning(),
    }));
    if (context === "A") {
      expect(changed.tenants.map((r) => r.name)).toEqual(["renamed in A"]);
      expect(changed.memberships.map((r) => r.roles)).toEqual([["owner", "admin"]]);
      expect(changed.users.map((r) => r.name)).toEqual(["renamed in A"]);
    } else {
      expect([changed.tenants, changed.memberships, changed.users]).toEqual([[], [], []]);
      expect(await snapshot()).toEqual(before);
    }
  });

  it("moving A's membership to tenant B is refused, and nothing moves", async () => {
    const before = await snapshot();
    const move = () => run("A", (tx) => tx.update(tenantUsers).set({ tenantId: b.tenantId }).where(eq(tenantUsers.userId, a.userId)));
    if (ctx.database.engine === "citus") {
      // tenant_id is the distribution column: Citus refuses changing it before the policy looks.
      expect(await sqlstate(move())).toBe("0A000");
      expect(await errorText(move())).toMatch(/modifying the partition value of rows is not allowed/);
    } else {
      expect(await sqlstate(move())).toBe("42501");
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("INSERT", () => {
  it.each(contexts)("a membership into A, in context %s", async (context) => {
    const newcomer = randomUUID();
    await withSystem(ctx.client.db, (tx) => tx.insert(users).values({ id: newcomer, email: `${newcomer}@example.test` }));
    const attempt = run(context, (tx) =>
      tx
        .insert(tenantUsers)
        .values({ tenantId: a.tenantId, userId: newcomer, roles: ["member"] })
        .returning(),
    );
    if (context === "A") {
      expect((await attempt).map((r) => [r.tenantId, r.userId])).toEqual([[a.tenantId, newcomer]]);
    } else {
      expect(await sqlstate(attempt)).toBe("42501");
      expect(await rowText(ctx.client, "tenant_users", `user_id = '${newcomer}'`)).toBeUndefined();
    }
  });

  it.each(contexts)("a tenant, in context %s, is refused (tenants are created by the data layer's function)", async (context) => {
    const id = randomUUID();
    expect(await sqlstate(run(context, (tx) => tx.insert(tenants).values({ id, name: "Sneaky" })))).toBe("42501");
    expect(await rowText(ctx.client, "tenants", `id = '${id}'`)).toBeUndefined();
  });

  it.each(contexts)("a user other than the acting one, in context %s, is refused (on Citus a tenant context may invite)", async (context) => {
    const id = randomUUID();
    const code = await sqlstate(run(context, (tx) => tx.insert(users).values({ id, email: `${id}@example.test` })));
    if (ctx.database.engine === "citus" && context !== "none") {
      // Migration 0010 (users_app_insert_invited): there the resolvers run with the caller's
      // rights, so a tenant context creates the users it invites itself.
      expect(code).toBeUndefined();
      expect(await rowText(ctx.client, "users", `id = '${id}'`)).toBeDefined();
    } else {
      expect(code).toBe("42501");
      expect(await rowText(ctx.client, "users", `id = '${id}'`)).toBeUndefined();
    }
  });

  it("the acting user's own row, in user context (sign-up), is allowed", async () => {
    const id = randomUUID();
    const rows = await withUser(ctx.client.db, { userId: id }, (tx) =>
      tx
        .insert(users)
        .values({ id, email: `${id}@example.test` })
        .returning({ id: users.id }),
    );
    expect(rows).toEqual([{ id }]);
  });

  it("an upsert that collides with B's user raises, and the error says nothing about B", async () => {
    const id = randomUUID();
    const before = await rowText(ctx.client, "users", `id = '${b.userId}'`);
    const attempt = withUser(ctx.client.db, { userId: id }, (tx) =>
      tx.execute(sql`
        INSERT INTO users (id, email) VALUES (${id}, ${b.email.toUpperCase()})
        ON CONFLICT (lower(email)) WHERE deleted IS NULL DO UPDATE SET name = 'taken over'`),
    );
    const text = await errorText(attempt);
    expect(text).toMatch(/row-level security/);
    expect(await sqlstate(attempt)).toBe("42501");
    expect(text).not.toContain(b.userId);
    expect(text).not.toContain(b.tenantId);
    expect(text.toLowerCase()).not.toContain(b.email.toLowerCase());
    expect(await rowText(ctx.client, "users", `id = '${b.userId}'`)).toEqual(before);
  });
});

describe("DELETE of A's rows", () => {
  it.each(["B", "none"] as const)("in context %s deletes nothing", async (context) => {
    const before = await snapshot();
    const deleted = await run(context, async (tx) => [
      ...(await tx.delete(tenantUsers).where(eq(tenantUsers.tenantId, a.tenantId)).returning()),
      ...(await tx.delete(users).where(eq(users.id, a.userId)).returning()),
      ...(await tx.delete(tenants).where(eq(tenants.id, a.tenantId)).returning()),
    ]);
    expect(deleted).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it("in context A deletes A's membership, user and tenant", async () => {
    const victim = await makeTenantWithMember(ctx.client);
    const context = { tenantId: victim.tenantId, userId: victim.userId };
    const deleted = await withTenant(ctx.client.db, context, async (tx) => ({
      users: await tx.delete(users).where(eq(users.id, victim.userId)).returning({ id: users.id }),
    }));
    // The user's row went, and its membership with it by cascade.
    expect(deleted.users).toEqual([{ id: victim.userId }]);
    expect(await rowText(ctx.client, "tenant_users", `tenant_id = '${victim.tenantId}'`)).toBeUndefined();

    const other = await makeTenantWithMember(ctx.client);
    const gone = await withTenant(ctx.client.db, { tenantId: other.tenantId, userId: other.userId }, async (tx) => ({
      memberships: await tx.delete(tenantUsers).where(eq(tenantUsers.tenantId, other.tenantId)).returning({ userId: tenantUsers.userId }),
    }));
    expect(gone.memberships).toEqual([{ userId: other.userId }]);
  });
});

describe("contexts", () => {
  it("a member of A and B sees both in user context and one in each tenant context", async () => {
    const both = await makeTenantWithMember(ctx.client);
    await addMembership(ctx.client, b.tenantId, both.userId);
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
    const inUser = await withUser(ctx.client.db, { userId: both.userId }, (tx) => tx.select({ id: tenants.id }).from(tenants));
    expect(ids(inUser)).toEqual([both.tenantId, b.tenantId].sort());
    for (const tenantId of [both.tenantId, b.tenantId]) {
      const inTenant = await withTenant(ctx.client.db, { tenantId, userId: both.userId }, (tx) => tx.select({ id: tenants.id }).from(tenants));
      expect(ids(inTenant)).toEqual([tenantId]);
    }
  });

  it("a tenant context whose user is not a member of the tenant is refused before its work reaches the database", async () => {
    const before = await snapshot();
    const refused = await withTenant(ctx.client.db, { tenantId: a.tenantId, userId: b.userId }, (tx) =>
      tx.update(tenants).set({ name: "taken over" }).where(eq(tenants.id, a.tenantId)),
    ).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: "DataError", code: "not_found" });
    expect(await snapshot()).toEqual(before);
  });

  it("an empty context setting fails closed: no rows and no cast error", async () => {
    const seen = await withoutContext(ctx.client.db, async (tx) => {
      await tx.execute(sql`SET LOCAL nile.tenant_id = ''; SET LOCAL nile.user_id = ''`);
      return { tenants: await tx.select().from(tenants), users: await tx.select().from(users) };
    });
    expect(seen).toEqual({ tenants: [], users: [] });
  });

  it.each([
    ["tenantId", { tenantId: "not-a-uuid", userId: randomUUID() }],
    ["userId", { tenantId: randomUUID(), userId: "1'; SET ROLE postgres; --" }],
  ])("a bad %s is a validation error and nothing is sent", async (field, context) => {
    let sent = false;
    const error = await withTenant(ctx.client.db, context, () => {
      sent = true;
      return Promise.resolve();
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "DataError", code: "validation", fields: [{ field }] });
    expect(sent).toBe(false);
  });
});
