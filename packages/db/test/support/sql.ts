import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../src/testing";

/** A migrated database of this file's own, and an owner connection to it. */
export function useTestDatabase(options: { migrate?: boolean } = {}) {
  const state = {} as { database: TestDatabase; sql: postgres.Sql };
  beforeAll(async () => {
    state.database = await createTestDatabase(options);
    state.sql = postgres(state.database.url, { max: 4, onnotice: () => {} });
  });
  afterAll(async () => {
    await state.sql?.end({ timeout: 5 });
    await state.database?.drop();
  });
  return state;
}
