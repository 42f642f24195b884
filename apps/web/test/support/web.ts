import { randomBytes, randomUUID } from "node:crypto";
import type { TestClient } from "@penguinmails/db/testing";
import { useTestDatabase } from "@penguinmails/db/testing/vitest";
import { afterAll, beforeAll, expect } from "vitest";
import { POST as signInRoute } from "@/app/api/session/route";
import { closeConnection } from "@/server/db";
import type { PublicError } from "@/server/errors";
import type { SignedInUser } from "@/server/identity";
import type { Workspace, WorkspaceMember } from "@/server/workspaces";

// Route-level test support: each test file gets a database of its own (the app's shared
// client is pointed at it through DATABASE_URL, as in production) and calls the route
// handlers' exported functions with real Request objects.

export const SECRET = randomBytes(32).toString("hex");

export type TestWorld = Pick<TestClient, "database" | "client">;

/**
 * useTestDatabase (an owner client, pool of 2, for setting up what the API cannot), and the
 * app's shared client pointed at the same database through DATABASE_URL, as in production.
 */
export function setUpWebTestDatabase(options: { migrate?: boolean } = {}): () => TestWorld {
  const world = useTestDatabase({ ...options, max: 2 });
  beforeAll(() => {
    process.env.DATABASE_URL = world.database.url;
    process.env.AUTH_DEV_LOGIN = "1";
    process.env.SESSION_SECRET = SECRET;
    // The bound itself is tested in database-faults.test.ts; elsewhere a loaded machine
    // must not turn slow answers into 503s.
    process.env.DATABASE_REQUEST_TIMEOUT_SECONDS = "120";
  });
  // Hooks after the suite run in reverse order: the app's client closes before the database goes.
  afterAll(closeConnection);
  return () => world;
}

export const uniqueEmail = (label = "user") => `${label}-${randomUUID()}@example.test`;

interface RequestOptions {
  /** sent as JSON with Content-Type: application/json */
  json?: unknown;
  /** sent as is, with `contentType` (default application/json) */
  raw?: string;
  contentType?: string;
  cookie?: string;
}

export function request(method: string, path: string, options: RequestOptions = {}): Request {
  const headers = new Headers();
  if (options.cookie) headers.set("cookie", options.cookie);
  let body: string | undefined;
  if (options.json !== undefined || options.raw !== undefined) {
    headers.set("content-type", options.contentType ?? "application/json");
    body = options.raw ?? JSON.stringify(options.json);
  }
  return new Request(`http://localhost${path}`, { method, headers, body });
}

/** A value as it comes back through JSON: its dates are strings. */
type AsJson<T> = T extends Date ? string : T extends (infer Item)[] ? AsJson<Item>[] : T extends object ? { [K in keyof T]: AsJson<T[K]> } : T;

/**
 * Every JSON answer of the API in one shape, each member as its route sends it. A test reads
 * the member its route answers with and checks the whole body with toEqual/toMatchObject; the
 * type only says what each member holds, so a misspelt member or a wrong use does not compile.
 * (An error's `fields` is typed present: tests read it on validation errors, which carry it.)
 */
export interface AnswerBody {
  error: Required<AsJson<Omit<PublicError, "status">>>;
  user: AsJson<SignedInUser>;
  tenant: AsJson<Workspace>;
  tenants: AsJson<Workspace>[];
  member: AsJson<WorkspaceMember>;
  members: AsJson<WorkspaceMember>[];
  nextCursor: string | null;
  status: "ok" | "unavailable";
  reason: string;
}

export interface Answer {
  status: number;
  /** the parsed JSON; null for an empty body (a 204), which its tests check with toBeNull() */
  body: AnswerBody;
  headers: Headers;
}

export async function answer(response: Promise<Response>): Promise<Answer> {
  const settled = await response;
  const text = await settled.text();
  return { status: settled.status, body: text ? (JSON.parse(text) as AnswerBody) : (null as unknown as AnswerBody), headers: settled.headers };
}

/** Signs `email` in through the API; returns the Cookie header value and the user. */
export async function signIn(email = uniqueEmail()): Promise<{ cookie: string; user: { id: string; email: string } }> {
  const response = await answer(signInRoute(request("POST", "/api/session", { json: { email } }), undefined));
  expect(response.status).toBe(200);
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0]!, user: response.body.user };
}

/** The second argument Next.js passes to a dynamic route's handler. */
export function params<T extends Record<string, string>>(value: T): { params: Promise<T> } {
  return { params: Promise.resolve(value) };
}

/** The JSON error envelope for `code`, as every error answer must look. */
export function expectError(response: Answer, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(Object.keys(response.body.error).every((key) => ["code", "message", "fields"].includes(key))).toBe(true);
}
