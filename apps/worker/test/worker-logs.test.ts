import { sql, withSystem } from "@penguinmails/db";
import { describe, expect, it } from "vitest";
import { summarizeError } from "../src/log";
import { addMember, exists, makeTenant, makeUser, useDatabase } from "./support/database";
import { runWorker } from "./support/worker-process";

// A purge that fails on purpose: a trigger (installed as the database owner) refuses to
// delete users and quotes the row's email and name in its message and detail, and the
// driver's error carries the DELETE and its parameters (the user ids) besides.
const ctx = useDatabase();

describe("job.failed lines", () => {
  it("name the error's class, SQLSTATE and constraint, never the row, the SQL or its parameters", async () => {
    const tenant = await makeTenant(ctx.client);
    const gone = await makeUser(ctx.client, "past");
    await addMember(ctx.client, tenant, gone);
    const [person] = await withSystem(ctx.client.db, (tx) => tx.execute<{ email: string; name: string }>(sql`SELECT email, name FROM users WHERE id = ${gone}`));
    await ctx.client.db.execute(sql`
      CREATE OR REPLACE FUNCTION public.test_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refusing to delete % (%)', OLD.email, OLD.name USING DETAIL = OLD.email || ' ' || OLD.name; END $$`);
    await ctx.client.db.execute(sql`CREATE TRIGGER test_refuse_delete BEFORE DELETE ON public.users FOR EACH ROW EXECUTE FUNCTION public.test_refuse_delete()`);
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
      await ctx.client.db.execute(sql`DROP TRIGGER test_refuse_delete ON public.users`);
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
