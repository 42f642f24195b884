import { format } from "node:util";
import { createUser, withUser } from "@penguinmails/db";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as signInRoute } from "@/app/api/session/route";
import { POST as createTenant } from "@/app/api/tenants/route";
import { POST as addMember } from "@/app/api/tenants/[tenantId]/members/route";
import { InternalError } from "@/server/errors";
import { addWorkspaceMember } from "@/server/workspaces";
import { answer, expectError, params, request, setUpWebTestDatabase, signIn, uniqueEmail } from "./support/web";

const world = setUpWebTestDatabase();

// Runs that fail on purpose: triggers (installed as the database owner) refuse the write and
// quote the row's email and name in their message, and the driver's error carries the SQL
// and its parameters besides. Whatever the app logs meanwhile must hold none of it.

const MARKED_NAME = "Zebulon Quixote-Marchetti";
let logged: string[] = [];

beforeEach(() => {
  logged = [];
  for (const method of ["error", "warn", "log", "info", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push(format(...args)));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

// Through the pool itself: DDL outside the data layer's contexts (on NileDB, which has no
// triggers, the emulated database takes them: test support only).
async function refuseWrites(): Promise<void> {
  const db = { execute: (statement: string) => world().client.sql.unsafe(statement) };
  await db.execute(`
    CREATE OR REPLACE FUNCTION public.test_refuse_user() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refusing user %', NEW.email USING DETAIL = 'email ' || NEW.email; END $$`);
  await db.execute(`
    CREATE OR REPLACE FUNCTION public.test_refuse_member() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE who text;
    BEGIN
      SELECT email || ' / ' || coalesce(name, '') INTO who FROM users.users WHERE id = NEW.user_id;
      RAISE EXCEPTION 'refusing member %', who USING DETAIL = who;
    END $$`);
  await db.execute(`DROP TRIGGER IF EXISTS test_refuse_user ON users.users`);
  await db.execute(`DROP TRIGGER IF EXISTS test_refuse_member ON users.tenant_users`);
  await db.execute(`CREATE TRIGGER test_refuse_user BEFORE INSERT ON users.users FOR EACH ROW EXECUTE FUNCTION public.test_refuse_user()`);
  await db.execute(`CREATE TRIGGER test_refuse_member BEFORE INSERT ON users.tenant_users FOR EACH ROW EXECUTE FUNCTION public.test_refuse_member()`);
}

async function allowWrites(): Promise<void> {
  const db = { execute: (statement: string) => world().client.sql.unsafe(statement) };
  await db.execute(`DROP TRIGGER IF EXISTS test_refuse_user ON users.users`);
  await db.execute(`DROP TRIGGER IF EXISTS test_refuse_member ON users.tenant_users`);
}

function expectCleanLogs(secrets: string[]): void {
  expect(logged.length).toBeGreaterThan(0);
  const text = logged.join("\n");
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/insert into|select |params:|refusing/i);
}

describe("logs of failed requests", () => {
  it("a sign-in the database refuses: 500, and the log names the error's class and SQLSTATE only", async () => {
    const email = uniqueEmail("secret-signin");
    await refuseWrites();
    try {
      const response = await answer(signInRoute(request("POST", "/api/session", { json: { email } }), undefined));
      expectError(response, 500, "internal");
      expect(JSON.stringify(response.body)).not.toContain(email);
    } finally {
      await allowWrites();
    }
    expectCleanLogs([email, email.split("@")[0]!]);
    expect(logged.join("\n")).toMatch(/"code":"P0001"/);
  });

  it("adding a named member the database refuses: neither their email, name, ids nor the SQL is logged", async () => {
    const owner = await signIn(uniqueEmail("owner"));
    const created = await answer(createTenant(request("POST", "/api/tenants", { cookie: owner.cookie, json: { name: "Team" } }), undefined));
    const tenantId: string = created.body.tenant.id;
    const email = uniqueEmail("secret-member");
    const id = crypto.randomUUID();
    await withUser(world().client.db, { userId: id }, (tx) => createUser(tx, { id, email, name: MARKED_NAME }));

    await refuseWrites();
    try {
      const response = await answer(
        addMember(request("POST", `/api/tenants/${tenantId}/members`, { cookie: owner.cookie, json: { email, roles: ["member"] } }), params({ tenantId })),
      );
      expectError(response, 500, "internal");
      // The pages' server actions take the same path; what they throw on is a bare InternalError.
      const thrown = await addWorkspaceMember(owner.user.id, tenantId, { email, roles: ["viewer"] }).catch((error: unknown) => error);
      expect(thrown).toBeInstanceOf(InternalError);
      expect((thrown as Error).cause).toBeUndefined();
      expect(`${(thrown as Error).message} ${(thrown as Error).stack}`).not.toContain(email);
    } finally {
      await allowWrites();
    }
    expectCleanLogs([email, MARKED_NAME, "Zebulon", id, tenantId, owner.user.id]);
  });
});
