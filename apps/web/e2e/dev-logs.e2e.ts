import { readFileSync } from "node:fs";
import { createTestDatabase, freePort, type TestDatabase } from "@penguinmails/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startNext, stopNext, waitFor, type NextServer } from "./next-server";

// `next dev` prints each server action call with its arguments unless told not to: an email
// typed into a form would land in the terminal. Here the sign-in action runs, as a browser
// calls it, against a database that was never migrated, so it also fails on purpose; the
// dev server's output must hold the failure, sanitized, and never the email.

let database: TestDatabase;
let server: NextServer;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  server = startNext("next-dev-logs", await freePort(), { DATABASE_URL: database.url, DATABASE_MIGRATION_URL: undefined, AUTH_DEV_LOGIN: undefined }, "dev");
  await waitFor(server, "/sign-in", (status) => status === 200);
}, 300_000);

afterAll(async () => {
  await stopNext(server);
  await database?.drop();
});

/** The sign-in action, called as React's client calls it: its id in Next-Action, its arguments as a reply. */
async function callSignInAction(email: string): Promise<Response> {
  const html = await (await fetch(`${server.baseURL}/sign-in`)).text();
  const actionId = /&quot;id&quot;:&quot;([0-9a-f]+)&quot;/.exec(html)?.[1];
  expect(actionId).toBeDefined();
  // [previous form state (which echoes what was typed), the form's FormData], the FormData's
  // fields first, as React sends them.
  const reply = new FormData();
  reply.append("_1_email", email);
  reply.append("0", JSON.stringify([{ values: { email } }, "$K1"]));
  return fetch(`${server.baseURL}/sign-in`, {
    method: "POST",
    body: reply,
    headers: { "next-action": actionId!, origin: server.baseURL, accept: "text/x-component" },
  });
}

it("neither echoes a server action's arguments nor logs the failed query's parameters", async () => {
  const email = `typed-${crypto.randomUUID()}@example.test`;
  const response = await callSignInAction(email);
  expect(response.status).toBe(200);
  await response.text();
  // The request line is logged once the action has run; wait for it rather than for time.
  for (let attempt = 0; attempt < 300 && !readFileSync(server.log, "utf8").includes("POST /sign-in"); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = readFileSync(server.log, "utf8");
  expect(log).toContain("POST /sign-in");
  expect(log).toMatch(/\[web\] unexpected error \{"errors":\[/);
  expect(log).not.toContain(email);
  expect(log).not.toContain(email.split("@")[0]!);
  expect(log).not.toMatch(/params:|Failed query/);
}, 300_000);
