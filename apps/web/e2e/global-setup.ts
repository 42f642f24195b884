import { randomBytes } from "node:crypto";
import { createTestDatabase, freePort } from "@penguinmails/db/testing";
import type { TestProject } from "vitest/node";
import { startNext, stopNext, waitFor, type NextServer } from "./next-server";

// Vitest global setup for the browser test: a fresh migrated database (the embedded engine,
// hosted by this process, or a new database on the server at DATABASE_URL), and the built
// app under `next start` with the development sign-in on, pointed at it.

declare module "vitest" {
  export interface ProvidedContext {
    baseURL: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await createTestDatabase();
  let server: NextServer | undefined;
  try {
    server = startNext("next-start", await freePort(), {
      DATABASE_URL: database.url,
      DATABASE_MIGRATION_URL: undefined,
      AUTH_DEV_LOGIN: "1",
      SESSION_SECRET: randomBytes(32).toString("hex"),
    });
    await waitFor(server, "/api/health", (status) => status === 200);
    project.provide("baseURL", server.baseURL);
  } catch (error) {
    await stopNext(server);
    await database.drop();
    throw error;
  }
  return async () => {
    await stopNext(server);
    await database.drop();
  };
}
