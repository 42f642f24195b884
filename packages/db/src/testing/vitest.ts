// Vitest's side of the test support (@penguinmails/db/testing/vitest): suite hooks around
// @penguinmails/db/testing, which stays free of vitest (the bench uses it at run time).
import { afterAll, beforeAll } from "vitest";
import { openTestClient, type TestClient, type TestDatabaseOptions } from "./index";

/**
 * A database of the file's own (see createTestDatabase) and an owner client on it (pool of
 * `max`, default 4), made in beforeAll and dropped in afterAll. The object returned is filled
 * in by beforeAll: read its members inside tests and hooks, not at the top of the file.
 */
export function useTestDatabase(options: TestDatabaseOptions & { max?: number } = {}): TestClient {
  const state = {} as TestClient;
  beforeAll(async () => Object.assign(state, await openTestClient(options)));
  afterAll(() => state.close?.());
  return state;
}
