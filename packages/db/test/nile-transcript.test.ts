import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { createClient, type DatabaseClient } from "../src/client";
import { readAsUser, readInTenant, withSystem, withTenant, withUser } from "../src/context";
import {
  addMember,
  changeEmail,
  changeRoles,
  createTenant,
  eraseUser,
  importMembers,
  listMembers,
  listMyTenants,
  purgeDeleted,
  removeMember,
  renameTenant,
  restoreTenant,
  restoreUser,
  signInByEmail,
  softDeleteTenant,
  softDeleteUser,
} from "../src/data";
import { tenantUsers } from "../src/schema";
import { isNileTarget } from "../src/target";
import { openTestClient, type TestClient } from "../src/testing";
import { uniqueEmail } from "./support/actors";
import { startWireRecorder, type RecordedConnection, type WireRecorder } from "./support/wire-recorder";

// The transcript check of the NileDB pass (vitest.nile.config.ts, DATABASE_TARGET=nile): what
// a `target: "nile"` client really sends, recorded on the wire by a proxy in front of the
// NileDB-shaped database (support/wire-recorder.ts), while a workload runs through the data
// layer. NileDB reads `SET LOCAL nile.tenant_id` only as the first statement of a transaction,
// and refuses or ignores much of what PostgreSQL accepts (../shared/spec/niledb-target.md §2,
// §7c item 8): the transcript must hold none of it. Nothing is mocked and no production code
// is touched: the client is createClient's, pointed at the proxy's port.
//
// In the normal suite (PostgreSQL, embedded) this file is skipped: the PostgreSQL contexts send
// SET ROLE, set_config() and penguinmails_rls.* by design; the transcript is the NileDB pass's.

// ---- Reading a transcript ------------------------------------------------------------------

/** One statement as it ran on a connection, in order. */
interface Ran {
  connection: number;
  sql: string;
  /** "query": from a simple-protocol message (maybe one of several); "bind": a parsed statement run */
  via: "query" | "bind";
}

/**
 * The statements of a simple-protocol message, split at the semicolons between them: not
 * those inside '…' or "…" (doubled quotes included), $tag$…$tag$ bodies, -- or block comments.
 */
function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      i = text.indexOf(c, i + 1);
      while (i >= 0 && text[i + 1] === c) i = text.indexOf(c, i + 2);
      i = i < 0 ? text.length : i + 1;
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i))?.[0];
      if (tag) {
        const end = text.indexOf(tag, i + tag.length);
        i = end < 0 ? text.length : end + tag.length;
      } else i++;
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === ";") {
      out.push(text.slice(start, i));
      start = ++i;
    } else i++;
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** What ran on each connection, in order: query messages split, binds as their parsed text. */
function statementsOf(connection: RecordedConnection): Ran[] {
  return connection.sent.flatMap((sent): Ran[] => {
    if (sent.kind === "query") return splitStatements(sent.text).map((sql) => ({ connection: connection.id, sql, via: "query" }));
    if (sent.kind === "bind") return [{ connection: connection.id, sql: sent.text.trim(), via: "bind" }];
    return [];
  });
}

interface Transaction {
  connection: number;
  /** the statements between BEGIN and COMMIT/ROLLBACK, both excluded */
  body: Ran[];
  begin: string;
  /** COMMIT, ROLLBACK, or null if the connection's transcript ends inside it */
  end: string | null;
}

const BEGIN = /^(BEGIN|START\s+TRANSACTION)\b/i;
const END = /^(COMMIT|ROLLBACK|END|ABORT)\b/i;

/** A connection's statements split into transactions, and those that ran outside any. */
function transactionsOf(statements: Ran[]): { transactions: Transaction[]; outside: Ran[] } {
  const transactions: Transaction[] = [];
  const outside: Ran[] = [];
  let open: Transaction | null = null;
  for (const ran of statements) {
    if (BEGIN.test(ran.sql)) {
      // A BEGIN inside a transaction is only a warning on PostgreSQL; here it is reported.
      if (open) outside.push(ran);
      else open = { connection: ran.connection, body: [], begin: ran.sql, end: null };
    } else if (END.test(ran.sql)) {
      if (open) {
        open.end = ran.sql;
        transactions.push(open);
        open = null;
      } else outside.push(ran);
    } else if (open) open.body.push(ran);
    else outside.push(ran);
  }
  if (open) transactions.push(open);
  return { transactions, outside };
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const TENANT_SETTING = new RegExp(`^SET\\s+LOCAL\\s+nile\\.tenant_id\\s*=\\s*'${UUID}'$`, "i");
/** Any statement that sets, or reads the way a setter would, a `nile.` setting. */
const NILE_SETTING = /\bnile\./i;

/** (1) Every transaction that touches a `nile.` setting sets the tenant first after BEGIN, and the user only after it. */
function tenantSettingFirst(transactions: Transaction[]): string[] {
  const problems: string[] = [];
  for (const tx of transactions) {
    const settings = tx.body.filter((ran) => NILE_SETTING.test(ran.sql));
    if (settings.length === 0) continue;
    const where = `connection ${tx.connection}, transaction [${[tx.begin, ...tx.body.map((r) => r.sql)].join(" | ")}]`;
    if (!TENANT_SETTING.test(tx.body[0]?.sql ?? "")) problems.push(`the first statement after BEGIN is not SET LOCAL nile.tenant_id = '<uuid>': ${where}`);
    const tenantSettings = settings.filter((ran) => /nile\.tenant_id/i.test(ran.sql));
    if (tenantSettings.length !== 1) problems.push(`nile.tenant_id is named ${tenantSettings.length} times (NileDB refuses changing it): ${where}`);
    for (const ran of settings.slice(1)) {
      if (!/^SET\s+LOCAL\s+nile\.user_id\s*=\s*'[^']*'$/i.test(ran.sql))
        problems.push(`a nile. statement other than SET LOCAL nile.user_id after the tenant: ${ran.sql} (${where})`);
    }
  }
  return problems;
}

// (2) What NileDB refuses (or ignores, and then the tenant setting with it), anywhere.
const REFUSED: [RegExp, string][] = [
  [/set_config\s*\(\s*'nile\./i, "set_config('nile.…') (refused by NileDB)"],
  [/\bSET\s+(LOCAL\s+|SESSION\s+)?ROLE\b/i, "SET ROLE (ignored by NileDB, which then ignores the tenant setting)"],
  [/set_config\s*\(\s*'role'/i, "set_config('role', …) (ignored by NileDB, as SET ROLE)"],
  [/\bSAVEPOINT\b/i, "SAVEPOINT (fails after an error on NileDB)"],
  [/^\s*EXPLAIN\b/i, "EXPLAIN (refused by NileDB)"],
  [/penguinmails_rls\./i, "penguinmails_rls.* (no functions exist on NileDB)"],
  [/\bTEMP(ORARY)?\b/i, "a temporary table (refused by NileDB)"],
  [/\bCREATE\s+(OR\s+REPLACE\s+)?FUNCTION\b/i, "CREATE FUNCTION (refused by NileDB)"],
  // Session-level: it would outlive the transaction and reach the pool's next user.
  [/^SET\s+(SESSION\s+)?nile\./i, "a session-level nile. setting (outlives the transaction on a pooled connection)"],
];

function refused(statements: Ran[]): string[] {
  return statements.flatMap((ran) => REFUSED.filter(([pattern]) => pattern.test(ran.sql)).map(([, why]) => `${why}: connection ${ran.connection}: ${ran.sql}`));
}

/**
 * What postgres.js itself sends outside a transaction: on each connection it opens (and on
 * each reconnect) it reads the array types before serving any query (options.fetch_types, on
 * by default; connection.js fetchArrayTypes). A catalog read, no data; NileDB serves pg_catalog.
 */
const DRIVER_ARRAY_TYPES = /^select b\.oid, b\.typarray\s+from pg_catalog\.pg_type a/i;

/** (3) Statements outside a transaction, the driver's own catalog read excepted. */
function autocommitted(outside: Ran[]): string[] {
  return outside.filter((ran) => !DRIVER_ARRAY_TYPES.test(ran.sql)).map((ran) => `outside a transaction: connection ${ran.connection}: ${ran.sql}`);
}

interface Verdict {
  transactions: Transaction[];
  outside: Ran[];
  statements: Ran[];
  problems: { tenantFirst: string[]; refused: string[]; autocommitted: string[] };
}

function judge(connections: RecordedConnection[]): Verdict {
  const perConnection = connections.map((connection) => transactionsOf(statementsOf(connection)));
  const transactions = perConnection.flatMap((c) => c.transactions);
  const outside = perConnection.flatMap((c) => c.outside);
  const statements = connections.flatMap(statementsOf);
  return {
    transactions,
    outside,
    statements,
    problems: { tenantFirst: tenantSettingFirst(transactions), refused: refused(statements), autocommitted: autocommitted(outside) },
  };
}

// ---- The workload, through the data layer, on the recorded client --------------------------

/** What the workload saw of the purge, for the tests below. */
interface Outcome {
  /** memberships left behind by users the first purge erased */
  orphans: number;
  /** what the second purge (a deleted tenant with a member) threw, if it did */
  tenantPurge: unknown;
}

async function workload(client: DatabaseClient, direct: DatabaseClient): Promise<Outcome> {
  const { db } = client;
  const owner = await signInByEmail(db, uniqueEmail("owner"));
  const tenant = await withUser(db, { userId: owner.id }, (tx) => createTenant(tx, { name: "Transcript" }));
  const asOwner = { tenantId: tenant.id, userId: owner.id };

  const admin = await withTenant(db, asOwner, (tx) => addMember(tx, { email: uniqueEmail("admin"), roles: ["member"] }));
  const leaving = await withTenant(db, asOwner, (tx) => addMember(tx, { email: uniqueEmail("leaving"), roles: ["member"] }));
  const erased = await withTenant(db, asOwner, (tx) => addMember(tx, { email: uniqueEmail("erased"), roles: ["member"] }));
  const removed = await withTenant(db, asOwner, (tx) => addMember(tx, { email: uniqueEmail("removed"), roles: ["member"] }));
  const gone = await withTenant(db, asOwner, (tx) => addMember(tx, { email: uniqueEmail("gone"), roles: ["viewer"] }));
  const imported = await withTenant(db, asOwner, (tx) =>
    importMembers(tx, {
      members: [
        { email: uniqueEmail("imported"), name: "Imported", roles: ["member"] },
        { email: uniqueEmail("imported"), roles: ["viewer"] },
      ],
    }),
  );
  expect(imported.added).toBe(2);

  // Twice each: a named prepared statement is parsed once per connection, then only bound.
  for (let i = 0; i < 2; i++) {
    expect((await withTenant(db, asOwner, (tx) => listMembers(tx, { limit: 3 }))).members).toHaveLength(3);
    expect((await readInTenant(db, asOwner, (tx) => listMembers(tx, { limit: 50 }))).members).toHaveLength(8);
  }

  await withTenant(db, asOwner, (tx) => changeRoles(tx, { userId: admin.userId, roles: ["admin"] }));
  await withTenant(db, { tenantId: tenant.id, userId: admin.userId }, (tx) => removeMember(tx, { userId: removed.userId }));
  expect((await withUser(db, { userId: owner.id }, (tx) => listMyTenants(tx))).map((t) => t.id)).toEqual([tenant.id]);
  expect((await readAsUser(db, { userId: admin.userId }, (tx) => listMyTenants(tx))).map((t) => t.id)).toEqual([tenant.id]);
  await withTenant(db, { tenantId: tenant.id, userId: admin.userId }, (tx) => renameTenant(tx, { name: "Transcript, renamed" }));
  await withUser(db, { userId: owner.id }, (tx) => changeEmail(tx, uniqueEmail("owner-new")));

  await withUser(db, { userId: leaving.userId }, (tx) => softDeleteUser(tx));
  await withSystem(db, (tx) => restoreUser(tx, { userId: leaving.userId }));
  await withUser(db, { userId: erased.userId }, (tx) => eraseUser(tx));
  await withUser(db, { userId: gone.userId }, (tx) => softDeleteUser(tx));

  await withTenant(db, asOwner, (tx) => softDeleteTenant(tx));
  await withUser(db, { userId: owner.id }, (tx) => restoreTenant(tx, { tenantId: tenant.id }));

  // The purge, all three passes: `gone` (a user) and `removed` (a membership) are past retention.
  const report = await purgeDeleted(db, { retentionDays: 0, batchSize: 10 });
  expect(report).toMatchObject({ users: 1, tenants: 0 });
  expect(report.memberships).toBeGreaterThanOrEqual(1);
  // Read through the database's own (unrecorded) client.
  const left = await withSystem(direct.db, (tx) => tx.select().from(tenantUsers).where(eq(tenantUsers.userId, gone.userId)));

  // Again, with a deleted tenant that has a member (its owner).
  const doomed = await withUser(db, { userId: owner.id }, (tx) => createTenant(tx, { name: "Doomed" }));
  await withTenant(db, { tenantId: doomed.id, userId: owner.id }, (tx) => softDeleteTenant(tx));
  const tenantPurge = await purgeDeleted(db, { retentionDays: 0, batchSize: 10 }).then(
    (again) => (again.tenants === 1 ? undefined : new Error(`purged ${again.tenants} tenants`)),
    (error: unknown) => error,
  );
  return { orphans: left.length, tenantPurge };
}

// ---- The tests -------------------------------------------------------------------------------

describe.skipIf(!isNileTarget())("what a nile-target client sends (recorded on the wire)", () => {
  let database: TestClient;
  let recorder: WireRecorder;
  let recorded: DatabaseClient;
  let verdict: Verdict;
  let outcome: Outcome;

  beforeAll(async () => {
    database = await openTestClient({ max: 1 });
    const url = new URL(database.database.url);
    recorder = await startWireRecorder({ host: url.hostname, port: Number(url.port || 5432) });
    recorded = createClient(recorder.url(database.database.url), { target: "nile", max: 2 });
    outcome = await workload(recorded, database.client);
    verdict = judge(recorder.connections);
  });

  afterAll(async () => {
    await recorded?.close();
    await recorder?.close();
    await database?.close();
  });

  it("recorded the workload: transactions with the tenant setting and without, and the data layer's prepared statements", () => {
    const withTenantSetting = verdict.transactions.filter((tx) => TENANT_SETTING.test(tx.body[0]?.sql ?? ""));
    const withUserSetting = verdict.transactions.filter((tx) => tx.body.some((ran) => /^SET LOCAL nile\.user_id/i.test(ran.sql)));
    const withoutSetting = verdict.transactions.filter((tx) => !tx.body.some((ran) => NILE_SETTING.test(ran.sql)));
    expect(recorder.connections.length).toBeGreaterThanOrEqual(1);
    expect(recorder.connections.length).toBeLessThanOrEqual(2); // max: 2
    expect(withTenantSetting.length).toBeGreaterThan(10);
    expect(withUserSetting.length).toBeGreaterThan(5);
    expect(withoutSetting.length).toBeGreaterThan(5);
    expect(verdict.transactions.every((tx) => tx.end !== null)).toBe(true);
    // readInTenant's transactions: read-only, the context first, one statement.
    expect(verdict.transactions.some((tx) => /READ ONLY/i.test(tx.begin) && TENANT_SETTING.test(tx.body[0]?.sql ?? ""))).toBe(true);
    // The data layer's named statements went through Parse, and ran again with Bind alone.
    const parses = recorder.connections.flatMap((c) => c.sent.filter((s) => s.kind === "parse"));
    const named = parses.filter((p) => p.name !== "").map((p) => p.text);
    expect(named.some((text) => text.includes('from "users"."tenant_users"'))).toBe(true);
    const binds = recorder.connections.flatMap((c) => c.sent.filter((s) => s.kind === "bind" && s.name !== ""));
    expect(binds.length).toBeGreaterThan(named.length);
    expect(binds.every((b) => !b.text.startsWith("<statement"))).toBe(true);
  });

  it("every transaction that names a nile. setting starts with SET LOCAL nile.tenant_id, then nile.user_id", () => {
    expect(verdict.problems.tenantFirst).toEqual([]);
  });

  it("sends nothing NileDB refuses or ignores", () => {
    expect(verdict.problems.refused).toEqual([]);
  });

  it("sends every statement inside a transaction, but the driver's own array-type read at connect", () => {
    expect(verdict.problems.autocommitted).toEqual([]);
    // What that is, named: postgres.js reads the array types (fetch_types) as the first
    // statement of every connection it opens, before the connection serves any query.
    const firsts = recorder.connections.map((c) => statementsOf(c)[0]?.sql ?? "");
    expect(firsts.every((sql) => DRIVER_ARRAY_TYPES.test(sql))).toBe(true);
    expect(verdict.outside.map((ran) => ran.sql)).toEqual(firsts);
  });

  it("connects with the client's startup parameters and no preamble (no SSL request)", () => {
    for (const connection of recorder.connections) {
      expect(connection.preamble).toEqual([]);
      expect(connection.startup).toMatchObject({ application_name: "penguinmails", TimeZone: "UTC" });
    }
  });

  // NileDB's built-in tenant_users has no FK to users, and its FK to tenants no ON DELETE
  // CASCADE (nile-emulation.sql, "Built-in tables verbatim"): the purge deletes memberships
  // itself, tenant by tenant, a tenant's before the tenant (retention.ts).
  it("purgeDeleted on NileDB leaves no membership of a purged user behind", () => {
    expect(outcome.orphans).toBe(0);
  });

  it("purgeDeleted on NileDB purges a deleted tenant that has members, its memberships first", () => {
    expect(outcome.tenantPurge).toBeUndefined();
  });

  // createTenant (and changeEmail, softDeleteUser, restoreUser, eraseUser, restoreTenant) run
  // steps in transactions of their own while their context's stays open: on a pool of their
  // own (client.ts), so a context never waits for a connection its own pool may not have.
  it("createTenant on NileDB finishes on a pool of one connection", async () => {
    const single = createClient(database.database.url, { target: "nile", max: 1, contextTimeoutMs: 30_000 });
    try {
      const user = await signInByEmail(single.db, uniqueEmail("single"));
      const made = await Promise.all(
        ["Pool of one", "Pool of one, again"].map((name) => withUser(single.db, { userId: user.id }, (tx) => createTenant(tx, { name }))),
      );
      const mine = await withUser(single.db, { userId: user.id }, (tx) => listMyTenants(tx));
      expect(mine.map((t) => t.id).sort()).toEqual(made.map((t) => t.id).sort());
    } finally {
      await single.close();
    }
  });

  // The checks are only worth anything if they fail: the same recorder, a plain client sending
  // what the nile target must not (the database's refusals are beside the point here).
  it("catches a transcript that breaks each rule", async () => {
    recorder.clear();
    const before = recorder.connections.length;
    const raw = postgres(recorder.url(database.database.url), { max: 1, onnotice: () => {}, fetch_types: false });
    const tenant = "00000000-0000-4000-8000-000000000001";
    const attempt = (text: string) => raw.unsafe(text).catch(() => {});
    try {
      await attempt("SET ROLE nile_developer");
      await attempt(`BEGIN; SELECT 1; SET LOCAL nile.tenant_id = '${tenant}'; ROLLBACK`);
      await attempt(`BEGIN; SET LOCAL nile.user_id = '${tenant}'; SET LOCAL nile.tenant_id = '${tenant}'; ROLLBACK`);
      await attempt("BEGIN; SAVEPOINT s; SELECT 'a;b' AS \"x;y\"; ROLLBACK");
      await attempt("SELECT pg_catalog.set_config('role', 'nile_developer', true)");
      await raw`SELECT ${1}::int AS one`;
    } finally {
      await raw.end();
    }
    const caught = judge(recorder.connections.slice(before));
    expect(caught.problems.refused).toEqual([
      expect.stringContaining("SET ROLE"),
      expect.stringContaining("SAVEPOINT"),
      expect.stringContaining("set_config('role'"),
    ]);
    expect(caught.problems.tenantFirst).toEqual([
      expect.stringContaining("first statement after BEGIN"),
      expect.stringContaining("first statement after BEGIN"),
      expect.stringContaining("other than SET LOCAL nile.user_id"),
    ]);
    expect(caught.problems.autocommitted).toEqual([
      expect.stringContaining("SET ROLE nile_developer"),
      expect.stringContaining("set_config('role'"),
      expect.stringContaining("SELECT $1::int AS one"),
    ]);
    // The quoted semicolons did not split the statement.
    expect(caught.statements.map((ran) => ran.sql)).toContain("SELECT 'a;b' AS \"x;y\"");
  });
});
