import { startThrowawayServer, type ThrowawayServer } from "@penguinmails/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { readWebEnv } from "@/env";
import { GET as listMembers } from "@/app/api/tenants/[tenantId]/members/route";
import { POST as createTenant } from "@/app/api/tenants/route";
import { closeConnection } from "@/server/db";
import { answer, expectError, params, request, SECRET, signIn, uniqueEmail, type Answer } from "./support/web";

// The app on a PostgreSQL of the test's own, which the test stops, restarts, freezes and
// whose backends it terminates: each request answers (200, or 503 `unavailable`) within
// DATABASE_REQUEST_TIMEOUT_SECONDS plus slack for a loaded machine, and the pool heals once
// the server is back. Every engine run uses the throwaway server: the faults are a server's.
let server: ThrowawayServer;
let owner: { cookie: string };
let tenantId: string;

beforeAll(async () => {
  server = await startThrowawayServer();
  process.env.DATABASE_URL = server.url;
  process.env.AUTH_DEV_LOGIN = "1";
  process.env.SESSION_SECRET = SECRET;
  await closeConnection();
  owner = await signIn(uniqueEmail("owner"));
  const created = await answer(createTenant(request("POST", "/api/tenants", { cookie: owner.cookie, json: { name: "Faults" } }), undefined));
  tenantId = created.body.tenant.id;
}, 300_000);
afterAll(async () => {
  await closeConnection();
  await server?.remove();
});
// The default bound (5 s) is what production runs with; here it is raised so that a loaded
// machine's slowness is not mistaken for a fault, except where the bound is under test.
const BOUND_SECONDS = 20;
beforeEach(async () => {
  process.env.DATABASE_REQUEST_TIMEOUT_SECONDS = String(BOUND_SECONDS);
  await closeConnection();
});

// Above the bound, far below a hang: a loaded machine adds seconds, never minutes.
const SLACK_MS = 25_000;

async function timed(response: Promise<Response>): Promise<Answer & { ms: number }> {
  const started = performance.now();
  const result = await answer(response);
  return { ...result, ms: performance.now() - started };
}
const members = () => timed(listMembers(request("GET", `/api/tenants/${tenantId}/members`, { cookie: owner.cookie }), params({ tenantId })));
const healthCheck = () => timed(health());

function expectServedOrUnavailable(result: Answer & { ms: number }, boundMs: number): void {
  if (result.status !== 200) expectError(result, 503, "unavailable");
  expect(result.ms).toBeLessThan(boundMs + SLACK_MS);
}

/** Polls until `probe` answers 200; returns how long that took. Bounded. */
async function untilServed(probe: () => Promise<Answer>, limitMs = 60_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await probe()).status === 200) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`not served again within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function webBackends(): Promise<number[]> {
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE application_name = 'penguinmails-web'`;
    return rows.map((row) => row.pid);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

// Not in the NileDB-shaped pass: the faults are a throwaway PostgreSQL server's, migrated as
// PostgreSQL; what NileDB's gateway does when it drops or freezes is not known here.
describe.skipIf(process.env.DATABASE_TARGET === "nile")("database faults, as the web app sees them", () => {
  it("backends terminated while requests run: each answers 200 or 503 unavailable, none hangs, and the pool heals", async () => {
    expect((await members()).status).toBe(200);
    const answers: Answer[] = [];
    for (let round = 0; round < 6; round++) {
      const inFlight = Array.from({ length: 12 }, () => members());
      await new Promise((resolve) => setTimeout(resolve, 20));
      await server.terminateBackends("penguinmails-web");
      for (const result of await Promise.all(inFlight)) {
        expectServedOrUnavailable(result, BOUND_SECONDS * 1000);
        answers.push(result);
      }
    }
    expect(answers).toHaveLength(72);
    await untilServed(members);
    const after = await Promise.all(Array.from({ length: 12 }, () => members()));
    expect(after.map((result) => result.status)).toEqual(Array(12).fill(200));
    expect((await healthCheck()).status).toBe(200);
  });

  it("server stopped: requests and /api/health answer 503 promptly; after a restart both are 200 again by themselves", async () => {
    expect((await members()).status).toBe(200);
    await server.stop("fast");
    try {
      for (let i = 0; i < 3; i++) {
        const result = await members();
        expectError(result, 503, "unavailable");
        expect(result.ms).toBeLessThan(BOUND_SECONDS * 1000 + SLACK_MS);
      }
      const down = await healthCheck();
      expect(down).toMatchObject({ status: 503, body: { status: "unavailable", reason: "database unreachable" } });
    } finally {
      await server.start();
    }
    await untilServed(members);
    await untilServed(healthCheck);
    expect((await members()).body.members).toHaveLength(1);
  });

  it("a database that stops answering (backends frozen): 503 unavailable once DATABASE_REQUEST_TIMEOUT_SECONDS pass, then served again", async () => {
    process.env.DATABASE_REQUEST_TIMEOUT_SECONDS = "2";
    await Promise.all(Array.from({ length: 4 }, () => members()));
    const frozen = await webBackends();
    expect(frozen.length).toBeGreaterThan(0);
    for (const pid of frozen) process.kill(pid, "SIGSTOP");
    let results: (Answer & { ms: number })[];
    try {
      // Idle connections are handed out first, so these requests meet the frozen ones.
      results = await Promise.all(Array.from({ length: frozen.length }, () => members()));
    } finally {
      for (const pid of frozen) process.kill(pid, "SIGCONT");
    }
    for (const result of results) expectServedOrUnavailable(result, 2_000);
    const stuck = results.filter((result) => result.status === 503);
    expect(stuck.length).toBeGreaterThan(0);
    for (const result of stuck) expect(result.ms).toBeGreaterThanOrEqual(1_900);
    await untilServed(members);
    await untilServed(healthCheck);
  });

  it("DATABASE_REQUEST_TIMEOUT_SECONDS defaults to 5 and refuses what is not 1-600 whole seconds, naming the variable", () => {
    expect(readWebEnv({}).DATABASE_REQUEST_TIMEOUT_SECONDS).toBe(5);
    expect(readWebEnv({ DATABASE_REQUEST_TIMEOUT_SECONDS: "30" }).DATABASE_REQUEST_TIMEOUT_SECONDS).toBe(30);
    for (const value of ["0", "601", "2.5", "soon", "-1"]) {
      expect(() => readWebEnv({ DATABASE_REQUEST_TIMEOUT_SECONDS: value })).toThrow(/^invalid environment: DATABASE_REQUEST_TIMEOUT_SECONDS must be/);
    }
  });
});
