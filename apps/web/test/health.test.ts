import { closedPort, createTestDatabase, type TestDatabase } from "@penguinmails/db/testing";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/health/route";
import { closeConnection } from "@/server/db";
import { answer } from "./support/web";

// Each case points the app's shared client at another database, so this file manages its
// databases itself. createTestDatabase() reads DATABASE_URL too: it gets the run's own.

const serverUrl = process.env.DATABASE_URL;
const databases: TestDatabase[] = [];
afterEach(closeConnection);
afterAll(async () => {
  for (const database of databases) await database.drop();
});

async function pointAt(options: { migrate: boolean }): Promise<void> {
  if (serverUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = serverUrl;
  const database = await createTestDatabase(options);
  databases.push(database);
  process.env.DATABASE_URL = database.url;
  // Not the bound under test (database-faults.test.ts): a loaded machine is slow, not down.
  process.env.DATABASE_REQUEST_TIMEOUT_SECONDS = "120";
}

describe("GET /api/health", () => {
  it("answers 200 {status: ok} when the database answers and every migration is applied", async () => {
    await pointAt({ migrate: true });
    const response = await answer(GET());
    expect(response).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("answers 503 naming the pending migrations when some are not applied", async () => {
    await pointAt({ migrate: false });
    const response = await answer(GET());
    expect(response.status).toBe(503);
    // Engine difference (NileDB): its own journal, whose first migration is the baseline.
    const pending =
      process.env.DATABASE_TARGET === "nile"
        ? /^\d+ migration\(s\) pending: 0000_nile_baseline, 0001_/
        : /^\d+ migration\(s\) pending: 0000_initial_tables, 0001_/;
    expect(response.body).toEqual({ status: "unavailable", reason: expect.stringMatching(pending) });
  });

  it("answers 503 'database unreachable' when nothing listens at DATABASE_URL, and logs the details", async () => {
    process.env.DATABASE_URL = `postgres://app:hunter2@127.0.0.1:${await closedPort()}/nowhere`;
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await answer(GET());
    expect(response).toMatchObject({ status: 503, body: { status: "unavailable", reason: "database unreachable" } });
    expect(log).toHaveBeenCalledWith(expect.stringContaining("cannot reach PostgreSQL at 127.0.0.1"));
    expect(JSON.stringify(log.mock.calls)).not.toContain("hunter2");
    log.mockRestore();
  });
});
