import { sql, withSystem } from "@penguinmails/db";
import { describe, expect, it } from "vitest";
import { summarizeError } from "../src/log";
import { useTestDatabase } from "@penguinmails/db/testing/vitest";
import { addMember, exists, makeTenant, makeUser } from "./support/database";
import { runWorker } from "./support/worker-process";

// A purge that fails on purpose: a trigger (installed as the database owner) refuses to
// delete a user's membership and quotes the user's email and name in its message and the
// ids in its detail, and the
// driver's error carries the DELETE and its parameters (the user ids) besides.
const ctx = useTestDatabase();

describe("job.failed lines", () => {
  it("name the error's class, SQLSTATE and constraint, never the row, the SQL or its parameters", async () => {
    const tenant = await makeTenant(ctx.client);
    const gone = await makeUser(ctx.client, "past");
    await addMember(ctx.client, tenant, gone);
    const [person] = await withSystem(ctx.client.db, (tx) =>
      tx.execute<{ email: string; name: string }>(sql`SELECT email, name FROM users WHERE id = ${gone}`),
    );
    // On the memberships the purge deletes with the user (by cascade), not on `users`:
    // Citus refuses triggers on reference tables, and takes this one on a distributed table
    // only when asked (the setting is a harmless placeholder elsewhere).
    await ctx.client.db.execute(sql`
      CREATE OR REPLACE FUNCTION public.test_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE person record;
      BEGIN
        SELECT email, name INTO person FROM users.users WHERE id = OLD.user_id;
        RAISE EXCEPTION 'refusing to delete % (%)', person.email, person.name USING DETAIL = OLD.tenant_id || ' ' || OLD.user_id;
      END $$`);
    await ctx.client.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL citus.enable_unsafe_triggers = on`);
      await tx.execute(sql`CREATE TRIGGER test_refuse_delete BEFORE DELETE ON users.tenant_users FOR EACH ROW EXECUTE FUNCTION public.test_refuse_delete()`);
    });
    try {
      const run = await runWorker(["--once"], { DATABASE_URL: ctx.database.url, LOG_LEVEL: "trace" });
      expect(run.exit.code).toBe(1);
      const [failed] = run.events("job.failed");
      expect(failed).toMatchObject({ level: "error", job: "purge-deleted", code: "P0001", databaseUnavailable: false });
      const everything = `${run.stdout}\n${run.stderr}`;
      for (const secret of [person!.email, person!.name, gone, tenant]) expect(everything).not.toContain(secret);
      expect(everything).not.toMatch(/delete from|select |params|refusing/i);
      expect(await exists(ctx.client, "users", gone)).toBe(true);
    } finally {
      await ctx.client.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL citus.enable_unsafe_triggers = on`);
        await tx.execute(sql`DROP TRIGGER test_refuse_delete ON users.tenant_users`);
      });
    }
  });
});

describe("summarizeError", () => {
  it("keeps class, code and constraint of the driver's error inside Drizzle's, and nothing else", () => {
    const driver = Object.assign(new Error('duplicate key value violates unique constraint "users_email_live_key"'), {
      name: "PostgresError",
      code: "23505",
      constraint_name: "users_email_live_key",
      detail: "Key (email)=(olivia@example.test) already exists.",
    });
    // As Drizzle wraps it: the SQL and parameters in the message, the driver's error as cause.
    const wrapped = Object.assign(new Error("Failed query: insert into users (email) values ($1)\nparams: olivia@example.test", { cause: driver }), {
      name: "DrizzleQueryError",
    });
    expect(summarizeError(wrapped)).toEqual({ code: "23505", message: "PostgresError 23505 (constraint users_email_live_key)", unavailable: false });
    const bare = new Error("Failed query: select 1\nparams: olivia@example.test");
    expect(summarizeError(bare).message).toBe("Error");
  });
});
