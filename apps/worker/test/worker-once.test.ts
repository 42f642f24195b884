import { closedPort, createTestDatabase } from "@penguinmails/db/testing";
import { createClient, purgeDeleted } from "@penguinmails/db";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "@penguinmails/db/testing/vitest";
import { addMember, count, exists, makeTenant, makeUser, seedDeletedMembers } from "./support/database";
import { runWorker } from "./support/worker-process";

// `start --once`: what cron and CI run. Exit 0 when every job ran, 1 when one failed,
// 2 when the configuration is wrong.
const ctx = useTestDatabase();
const onServer = Boolean(process.env.DATABASE_URL);
// The NileDB pass (DATABASE_TARGET=nile, a NileDB-shaped database): the same purge, as NileDB's login.
const onNile = process.env.DATABASE_TARGET === "nile";

describe("worker --once", () => {
  it("purges, logs one JSON line per event with job, duration and counts (no emails or names), and exits 0", async () => {
    const tenant = await makeTenant(ctx.client);
    const [gone, kept] = [await makeUser(ctx.client, "past"), await makeUser(ctx.client)];
    await addMember(ctx.client, tenant, gone);
    await addMember(ctx.client, tenant, kept);
    const prefix = await seedDeletedMembers(ctx.client, tenant, 12);

    const run = await runWorker(["--once"], { DATABASE_URL: ctx.database.url, PURGE_BATCH_SIZE: "5", LOG_LEVEL: "debug" });

    expect(run.exit).toEqual({ code: 0, signal: null });
    expect(run.strayOutput).toEqual([]);
    expect(run.stderr).toBe("");
    const [finished] = run.events("job.finished");
    expect(finished).toMatchObject({ level: "info", job: "purge-deleted", counts: { users: 13, tenants: 0, memberships: 13, batches: 3 } });
    expect(finished!.durationMs).toEqual(expect.any(Number));
    expect(run.events("purge.batch").map((b) => b.users)).toEqual([5, 5, 3]);
    expect(run.lines.map((line) => line.event)).toEqual(["worker.started", "purge.batch", "purge.batch", "purge.batch", "job.finished", "worker.stopped"]);
    expect(run.stdout).not.toMatch(/@example\.test|Person |Backlog /);
    expect([await exists(ctx.client, "users", gone), await exists(ctx.client, "users", kept)]).toEqual([false, true]);
    expect(await count(ctx.client, "users", `email LIKE '${prefix}%'`)).toBe(0);
  });

  // No tables there (42P01); on the embedded engine, not even the roles (22023). Engine
  // difference (NileDB): its built-in tables exist before any migration, so nothing fails.
  it.skipIf(onNile)("exits 1 when a job fails (here: a database that was never migrated), saying why", async () => {
    const unmigrated = await createTestDatabase({ migrate: false });
    try {
      const run = await runWorker(["--once"], { DATABASE_URL: unmigrated.url });
      expect(run.exit.code).toBe(1);
      expect(run.events("job.failed")).toEqual([
        expect.objectContaining({ level: "error", job: "purge-deleted", code: expect.stringMatching(/^(42P01|22023)$/) }),
      ]);
      expect(String(run.events("job.failed")[0]!.error)).toContain("pnpm db:migrate");
    } finally {
      await unmigrated.drop();
    }
  });

  it("exits 1 when the database cannot be reached, naming where without a password", async () => {
    const port = await closedPort();
    const run = await runWorker(["--once"], { DATABASE_URL: `postgres://someone:s3cret-pw@127.0.0.1:${port}/nowhere` });
    expect(run.exit.code).toBe(1);
    expect(run.events("job.failed")).toEqual([
      expect.objectContaining({ level: "warn", code: "ECONNREFUSED", databaseUnavailable: true, error: expect.stringContaining(`127.0.0.1:${port}/nowhere`) }),
    ]);
    expect(run.stdout).not.toContain("s3cret-pw");
  });

  it.each([
    [{ RETENTION_DAYS: "0" }, "RETENTION_DAYS must be at least 1"],
    [{ RETENTION_DAYS: "thirty" }, "RETENTION_DAYS must be a whole number"],
    [{ PURGE_BATCH_SIZE: "-5" }, "PURGE_BATCH_SIZE must be at least 1"],
    [{ PURGE_INTERVAL_SECONDS: "1.5" }, "PURGE_INTERVAL_SECONDS must be a whole number"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL must be one of"],
  ])("refuses to start with %o: exit 2 and one line naming the variable", async (bad, message) => {
    const tenant = await makeTenant(ctx.client, "past");
    const run = await runWorker(["--once"], { DATABASE_URL: ctx.database.url, ...bad });
    expect(run.exit.code).toBe(2);
    expect(run.lines).toEqual([expect.objectContaining({ level: "fatal", event: "worker.config_invalid", msg: expect.stringContaining(message) })]);
    expect(await exists(ctx.client, "tenants", tenant)).toBe(true);
    await purgeDeleted(ctx.client.db, { retentionDays: 30, batchSize: 100 });
  });

  it("refuses an invalid DATABASE_URL or an unknown argument with exit 2", async () => {
    const badUrl = await runWorker(["--once"], { DATABASE_URL: "mysql://localhost/db" });
    expect(badUrl.exit.code).toBe(2);
    expect(badUrl.lines).toEqual([expect.objectContaining({ event: "worker.config_invalid", msg: expect.stringContaining("DATABASE_URL") })]);
    const badArg = await runWorker(["--twice"], { DATABASE_URL: ctx.database.url });
    expect(badArg.exit.code).toBe(2);
    expect(badArg.lines).toEqual([expect.objectContaining({ event: "worker.config_invalid", msg: expect.stringContaining("usage: worker [--once]") })]);
  });

  // The embedded engine has a single superuser login, so this is PostgreSQL's alone.
  // PostgreSQL's roles; NileDB has none (its one login is what the purge test above runs as).
  it.runIf(onServer && !onNile)("runs as production's penguinmails_worker login would: no superuser, no BYPASSRLS", async () => {
    const login = await createWorkerLogin(ctx.database.url);
    try {
      const tenant = await makeTenant(ctx.client);
      const [gone, kept] = [await makeUser(ctx.client, "past"), await makeUser(ctx.client)];
      await addMember(ctx.client, tenant, gone);
      await addMember(ctx.client, tenant, kept);
      const run = await runWorker(["--once"], { DATABASE_URL: login.url });
      expect(run.exit.code).toBe(0);
      expect(run.events("job.finished")[0]).toMatchObject({ counts: { users: 1, memberships: 1 } });
      expect([await exists(ctx.client, "users", gone), await exists(ctx.client, "users", kept)]).toEqual([false, true]);
    } finally {
      await login.drop();
    }
  });
});

async function createWorkerLogin(databaseUrl: string) {
  const name = `pm_worker_${Math.random().toString(36).slice(2, 10)}`;
  const database = new URL(databaseUrl).pathname.slice(1);
  await asOwner(databaseUrl, `CREATE ROLE ${name} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE penguinmails_app, penguinmails_system`);
  // CONNECT is granted per login (the migrations take it from PUBLIC), as the README says.
  await asOwner(databaseUrl, `GRANT CONNECT ON DATABASE ${database} TO ${name}`);
  const url = new URL(databaseUrl);
  url.username = name;
  url.password = "";
  // The worker has exited by then, and its role owns nothing but that grant, so it can go.
  const drop = async () => {
    await asOwner(databaseUrl, `REVOKE CONNECT ON DATABASE ${database} FROM ${name}`);
    await asOwner(databaseUrl, `DROP ROLE IF EXISTS ${name}`);
  };
  return { url: url.toString(), drop };
}

async function asOwner(databaseUrl: string, statement: string): Promise<void> {
  const owner = createClient(databaseUrl, { max: 1 });
  try {
    await owner.sql.unsafe(statement);
  } finally {
    await owner.close();
  }
}
