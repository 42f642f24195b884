import type postgres from "postgres";
import { contextTimeoutOf, isNileClient, stepsPoolOf, type AnyTx, type Database, type SystemTx, type TenantTx, type UserTx } from "./client";
import { isConnectionFailure } from "./connection-error";
import { DataError } from "./errors";
import { parseId } from "./ids";
import { gatedOn, transactionPerStatement } from "./driver/stand-ins";
import { transactionOn } from "./driver/transaction";
import type { Scope } from "./scope";

// Every request runs in one of three contexts, each its own transaction (never nested in
// another: SET LOCAL would outlive a savepoint), that first sets its
// context with SET LOCAL (what NileDB reads; SET LOCAL is also what makes it end with the
// transaction, so a pooled connection never carries it to the next request) and then
// switches to a NOLOGIN role for that transaction only. Row-level security does the rest:
// a query that forgets its tenant filter still sees only the context's rows.

export interface TenantContext {
  tenantId: string;
  /** the acting user; the context sees nothing unless they are a live member of the tenant */
  userId: string;
}

export interface UserContext {
  userId: string;
}

export type Work<T, Tx extends AnyTx = AnyTx> = (tx: Tx) => Promise<T>;

/** One tenant's rows, its memberships and its members' users, as `userId` acting there. */
export async function withTenant<T>(db: Database, context: TenantContext, work: Work<T, TenantTx>): Promise<T> {
  return inContext(db, tenantEntry(db, context), work);
}

/** The user's own row, their live memberships across tenants and those tenants. */
export async function withUser<T>(db: Database, context: UserContext, work: Work<T, UserTx>): Promise<T> {
  return inContext(db, userEntry(db, context), work);
}

/**
 * Read-only work in a tenant's context, one round trip per statement: each statement `work`
 * sends goes out in one write with `BEGIN READ ONLY`, the context and `COMMIT`, as a
 * transaction of its own. For a request that is one read (a page of members) this is half
 * the round trips of withTenant. The price: statements do not share a snapshot, and the
 * server refuses writes. Use withTenant for anything else.
 */
export async function readInTenant<T>(db: Database, context: TenantContext, work: Work<T, TenantTx>): Promise<T> {
  return readInContext(db, tenantEntry(db, context), work);
}

/** readInTenant's counterpart for a user context ("my workspaces"). */
export async function readAsUser<T>(db: Database, context: UserContext, work: Work<T, UserTx>): Promise<T> {
  return readInContext(db, userEntry(db, context), work);
}

// The ids are validated as canonical UUIDs here, before anything is sent, so writing them
// into the statement is safe. Policies scope rows by equality with these settings; whether
// the acting user may be there is checked on entry: enter_tenant() aborts the transaction
// (P0002) unless they are a live member of a live tenant, before any of the work runs, and
// enter_user() lists the tenants of the user's live memberships for the tenants policy.
//
// On PostgreSQL and the embedded engine a tenant or user context's setup is one SELECT of
// set_config() calls, the role and the entry check, prepared with the ids as parameters: it
// is parsed and planned once per connection, where the same setup as text (SET LOCAL ...) was
// parsed and planned on every entry (~17 µs of a point-read request; pnpm bench, scenario 2).
// BEGIN goes before it as a query of its own; both leave in the same write as the first
// statement (postgres.js's unsafe() prepares only when told: unprepared, a statement with
// parameters is described first, a round trip of its own every time). On Citus they go as three text messages:
// with propagate_set_commands = 'local' it replays a SET LOCAL on its workers by the whole
// text of the query message that carried it, and a string holding BEGIN and enter_user()
// made every worker run them again, recursively (measured: "the backend has already been
// assigned a transaction id", then a worker out of memory); a string of SET LOCALs alone
// replays harmlessly. Not three everywhere: each message costs the client a query of its
// own (measured with pnpm bench, scenario 3: ~35 µs a message, a tenth of a member page).
//
// The role is set with set_config(), which Citus does not replay. It opens its connections
// to the workers as the current role, so they act as it anyway; a replayed SET ROLE would
// reach connections opened as another role (a SECURITY DEFINER helper's owner) and fail
// there ("failure on connection marked as essential"). A plain client's SET LOCAL ROLE
// works the same as long as it comes before the first query (what the README shows).
// The entry check runs in the same SELECT, after set_config() in the target list: being a
// function call, it queries as the new role (Citus opens its connections then). A sub-query
// there would not: Citus runs it first, as the login, and its connections then serve the
// rest of the transaction unfiltered (seen in the isolation tests).
type Setup = readonly string[];

const settings = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([name, value]) => `SET LOCAL ${name} = '${value}'`)
    .join("; ");
const asRole = (role: string, then?: string) => `SELECT pg_catalog.set_config('role', '${role}', true)${then ? `, ${then}` : ""}`;

/**
 * The settings, the role and the entry check as one SELECT (see above), its text written once:
 * the setting names are this module's constants; only the values are parameters.
 */
const oneSelect = (names: readonly string[], role: string, enter: string): string =>
  `SELECT ${names.map((name, i) => `pg_catalog.set_config('${name}', $${i + 1}, true)`).join(", ")}, pg_catalog.set_config('role', '${role}', true), ${enter}`;

const TENANT = { role: "penguinmails_app", enter: "penguinmails_rls.enter_tenant()" } as const;
const USER = { role: "penguinmails_app_user", enter: "penguinmails_rls.enter_user()" } as const;
const TENANT_SETUP = oneSelect(["nile.tenant_id", "nile.user_id"], TENANT.role, TENANT.enter);
const USER_SETUP = oneSelect(["nile.user_id"], USER.role, USER.enter);

interface Prepared {
  text: string;
  params: string[];
}

/**
 * How a context is entered: its setup statements (as text, one message each on Citus), where
 * it has one the same setup prepared (PostgreSQL and the embedded engine), and the scope its
 * work is handed. On NileDB, `check` is a query that returns a row only if the context may be entered.
 */
interface Entry {
  /** read only where the setup goes as text (a getter on the prepared contexts: most never need it) */
  readonly setup: Setup;
  prepared?: Prepared;
  scope: Scope;
  nile?: { check?: string };
}

// On NileDB (client.ts `target: "nile"`) a context is what NileDB reads: `SET LOCAL
// nile.tenant_id` first in the transaction, then `nile.user_id`, on which NileDB checks that
// the user is a member. No role, set_config(), function or savepoint: NileDB has none of
// them (or ignores them, and then the tenant setting too). Whether NileDB's check honours a
// deleted membership, user or tenant is not known, so the entry asks that itself, in the same
// write. A user context sets nothing (NileDB refuses a user without a tenant): its data
// functions filter by the acting user. The system path sets nothing either: a connection
// without a context sees every tenant there.
const liveMembership = (tenantId: string, userId: string) =>
  `SELECT 1 FROM users.tenant_users m JOIN public.tenants t ON t.id = m.tenant_id JOIN users.users u ON u.id = m.user_id
   WHERE m.tenant_id = '${tenantId}' AND m.user_id = '${userId}' AND m.deleted IS NULL AND t.deleted IS NULL AND u.deleted IS NULL`;

function tenantEntry(db: Database, context: TenantContext): Entry {
  const tenantId = parseId(context.tenantId, "tenantId");
  const userId = parseId(context.userId, "userId");
  const scope = { tenantId, userId, ...nileOf(db) };
  const pairs = { "nile.tenant_id": tenantId, "nile.user_id": userId };
  if (isNileClient(db.$client)) return { setup: [settings(pairs)], scope, nile: { check: liveMembership(tenantId, userId) } };
  return {
    get setup() {
      return [settings(pairs), asRole(TENANT.role, TENANT.enter)];
    },
    prepared: { text: TENANT_SETUP, params: [tenantId, userId] },
    scope,
  };
}

function userEntry(db: Database, context: UserContext): Entry {
  const userId = parseId(context.userId, "userId");
  const scope = { tenantId: null, userId, ...nileOf(db) };
  if (isNileClient(db.$client)) return { setup: [], scope, nile: {} };
  return {
    get setup() {
      return [settings({ "nile.user_id": userId }), asRole(USER.role, USER.enter)];
    },
    prepared: { text: USER_SETUP, params: [userId] },
    scope,
  };
}

// On NileDB, where a context's own-transaction steps go (client.ts): never the context's pool.
const nileOf = (db: Database): { nile?: Database } => {
  const steps = stepsPoolOf(db.$client);
  return steps ? { nile: steps } : {};
};

/**
 * NileDB only: a transaction of its own scoped to `tenantId` by `nile.tenant_id` alone (no
 * user: the acting user may not be a member yet, as when creating the tenant), where the data
 * layer checks the acting user itself. Not exported from the package.
 */
export async function withTenantScope<T>(db: Database, tenantId: string, userId: string | null, work: Work<T, TenantTx>): Promise<T> {
  const id = parseId(tenantId, "tenantId");
  return inContext(db, { setup: [settings({ "nile.tenant_id": id })], scope: { tenantId: id, userId, ...nileOf(db) }, nile: {} }, work);
}

const noScope = (db?: Database): Scope => ({ tenantId: null, userId: null, ...(db ? nileOf(db) : {}) });

/**
 * The system path: every tenant's rows, for work that must cross tenants (retention purge,
 * seeding). Only logins that are members of penguinmails_system can take it.
 */
export async function withSystem<T>(db: Database, work: Work<T, SystemTx>): Promise<T> {
  if (isNileClient(db.$client)) return inContext(db, { setup: [], scope: noScope(db), nile: {} }, work);
  return inContext(db, { setup: [asRole("penguinmails_system")], scope: noScope() }, work);
}

/**
 * The runtime role with no context at all: what a request that forgot its context gets.
 * Not exported from the package (nothing should run like this); tests use it to prove
 * that it sees nothing.
 */
export async function withoutContext<T>(db: Database, work: Work<T, SystemTx>): Promise<T> {
  return inContext(db, { setup: [asRole("penguinmails_app")], scope: noScope() }, work);
}

// BEGIN and the context are not awaited on their own: postgres.js sends them in the
// same write as the first statement of `work`, in order, on a connection reserved for the
// request. A request is then two round trips (that write, then COMMIT) where drizzle's
// transaction took four. If the setup failed, its error is the one worth reporting.
async function inContext<T, Tx extends AnyTx>(db: Database, entry: Entry, work: Work<T, Tx>): Promise<T> {
  return holding(db, async (connection) => {
    const asked = messagesFor(db, connection);
    const ready = open(connection, "BEGIN", entry, typeof asked === "string" ? asked : await asked);
    ready.catch(() => {});
    let result: T;
    try {
      // On NileDB the entry check's verdict comes back as rows, not as an aborted
      // transaction: each result the work gets waits for it (already there: results come in order).
      result = await work(transactionOn<Tx>(entry.nile ? gatedOn(connection, ready) : connection, entry.scope));
      await ready;
    } catch (error) {
      const setupError = await ready.then(
        () => undefined,
        (e: unknown) => e,
      );
      await connection.unsafe("ROLLBACK").catch(() => {});
      throw setupError ? contextError(setupError, entry) : error;
    }
    await connection.unsafe("COMMIT");
    return result;
  });
}

async function readInContext<T, Tx extends AnyTx>(db: Database, entry: Entry, work: Work<T, Tx>): Promise<T> {
  return holding(db, async (connection) => {
    const asked = messagesFor(db, connection);
    const messages = typeof asked === "string" ? asked : await asked;
    const opening = () => open(connection, "BEGIN READ ONLY", entry, messages);
    return work(
      transactionOn<Tx>(
        transactionPerStatement(connection, opening, (error) => contextError(error, entry)),
        entry.scope,
      ),
    );
  });
}

type Messages = "one" | "each";

/**
 * Queues `begin` and the setup on the connection (BEGIN and the prepared setup, or as text in
 * one query or one each), and answers when all have run; the first to fail rejects it.
 * Queued, not awaited: they leave with what follows.
 */
function open(connection: postgres.ReservedSql, begin: string, entry: Entry, messages: Messages): Promise<void> {
  const { prepared, nile } = entry;
  const opened: Promise<unknown>[] =
    messages === "one" && prepared
      ? [connection.unsafe(begin).execute(), connection.unsafe(prepared.text, prepared.params, { prepare: true }).execute()]
      : (messages === "one" ? [[begin, ...entry.setup].join("; ")] : [begin, ...entry.setup]).map((text) => connection.unsafe(text).execute());
  if (nile?.check) {
    opened.push(
      connection
        .unsafe(nile.check)
        .execute()
        .then((rows) => {
          if (rows.length === 0) throw new DataError("not_found", "tenant not found");
        }),
    );
  }
  return Promise.all(opened).then(() => undefined);
}

// Whether the database is a Citus one (the extension installed in it), asked once per client
// on the first context's connection: one round trip in the client's life. The question is kept
// while it is asked, the answer once it came: a context then reads it without waiting a turn of
// the event loop. A failed probe (a lost connection) is forgotten and asked again.
const citusClients = new WeakMap<postgres.Sql, boolean | Promise<boolean>>();

function messagesFor(db: Database, connection: postgres.ReservedSql): Messages | Promise<Messages> {
  const client = db.$client;
  if (isNileClient(client)) return "one";
  let citus = citusClients.get(client);
  if (citus === undefined) {
    const asking = connection
      .unsafe("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus') AS citus")
      .then(([row]) => row?.citus === true);
    citusClients.set(client, asking);
    asking.then(
      (answer) => citusClients.set(client, answer),
      () => citusClients.delete(client),
    );
    citus = asking;
  }
  return typeof citus === "boolean" ? messagesOf(citus) : citus.then(messagesOf);
}

const messagesOf = (citus: boolean): Messages => (citus ? "each" : "one");

/**
 * Answers once a statement has gone through the pool as a context's would (bounded the
 * same way), or throws DataError `unavailable`: what a health check asks.
 */
export async function checkDatabase(db: Database): Promise<void> {
  await holding(db, (connection) => connection.unsafe("SELECT 1"));
}

/**
 * Runs `use` on a connection reserved from the pool, within the client's context deadline
 * (contextTimeoutMs). A lost connection or an expired deadline is DataError `unavailable`.
 * On expiry the connection is destroyed, not released: it may be mid-transaction, and a
 * server that stopped answering cannot be asked to roll back. A connection that broke goes
 * back to the pool by itself (patches/postgres@3.4.9.patch), so release() is always safe.
 */
async function holding<T>(db: Database, use: (connection: postgres.ReservedSql) => Promise<T>): Promise<T> {
  const limitMs = contextTimeoutOf(db.$client);
  if (limitMs === undefined) return holdingWithoutDeadline(db, use);
  let connection: postgres.ReservedSql | undefined;
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      connection?.destroy();
      reject(new DataError("unavailable", "the database did not answer in time; please try again", [], { cause: new ContextTimeoutError(limitMs) }));
    }, limitMs);
  });
  expiry.catch(() => {});
  const reserving = db.$client.reserve();
  try {
    connection = await Promise.race([reserving, expiry]);
    return await Promise.race([use(connection), expiry]);
  } catch (error) {
    throw contextFailure(error);
  } finally {
    clearTimeout(timer);
    if (connection) connection.release();
    // The deadline came first: the reservation, when it arrives, goes straight back.
    else
      reserving.then(
        (late) => late.release(),
        () => {},
      );
  }
}

// The same without a deadline: no timer and no race on every request.
async function holdingWithoutDeadline<T>(db: Database, use: (connection: postgres.ReservedSql) => Promise<T>): Promise<T> {
  let connection: postgres.ReservedSql | undefined;
  try {
    connection = await db.$client.reserve();
    return await use(connection);
  } catch (error) {
    throw contextFailure(error);
  } finally {
    connection?.release();
  }
}

function contextFailure(error: unknown): unknown {
  if (isConnectionFailure(error)) return new DataError("unavailable", "the database is unavailable; please try again", [], { cause: error });
  // A context that could not be entered reaches us wrapped in drizzle's query error.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof DataError ? cause : error;
}

/** The `cause` of a context's DataError `unavailable` when its deadline passed. */
export class ContextTimeoutError extends Error {
  override name = "ContextTimeoutError";
  readonly code = "CONTEXT_TIMEOUT";
  constructor(readonly limitMs: number) {
    super(`no answer within ${limitMs} ms`);
  }
}

/**
 * A context that could not be entered: P0002 from enter_tenant() means no access; on NileDB,
 * so do its refusals of the settings (the ids are valid UUIDs): an unknown tenant (42704),
 * a user who is not a member (42501).
 */
function contextError(error: unknown, entry: Entry): unknown {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "P0002" || (entry.nile && (code === "42704" || code === "42501"))) {
    return new DataError("not_found", "tenant not found", [], { cause: error });
  }
  return error;
}
