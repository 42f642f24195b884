// A NileDB-shaped database for tests: NileDB's built-in tables and its documented isolation and
// transaction rules (nile-emulation.sql, every rule tagged with its source), on the server at
// DATABASE_URL or on a fresh embedded engine. The app connects as `nile_developer`, the
// counterpart of NileDB's single developer login: not superuser, no BYPASSRLS, owner of the
// built-in tables, allowed to run DDL migrations.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { startEmbeddedEngine } from "../embedded/engine";
import { readDbEnv } from "../env";

export interface NileShapedDatabase {
  /** what the app connects with: NileDB's single developer login (`nile_developer`) */
  url: string;
  engine: "postgres" | "embedded";
  /** Drops the database (or stops the engine). The cluster-wide role stays, shared by all. */
  drop(): Promise<void>;
}

export const NILE_DEVELOPER = "nile_developer";

/** The emulation's SQL, installed by a superuser into an empty database. */
export function nileEmulationSql(): string {
  // Built from the module's own path (see defaultMigrationsFolder in ../migrate).
  return fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "nile-emulation.sql"), "utf8");
}

export async function createNileShapedDatabase(options: { engine?: "embedded" } = {}): Promise<NileShapedDatabase> {
  const serverUrl = options.engine === "embedded" ? undefined : readDbEnv().DATABASE_URL;
  return serverUrl ? createOnServer(serverUrl) : createEmbedded();
}

async function createOnServer(serverUrl: string): Promise<NileShapedDatabase> {
  const name = `pm_nile_${process.pid}_${randomBytes(4).toString("hex")}`;
  const superUrl = new URL(serverUrl);
  superUrl.pathname = `/${name}`;
  const appUrl = new URL(superUrl);
  appUrl.username = NILE_DEVELOPER;
  appUrl.password = "";
  const drop = () =>
    asSuperuser(serverUrl, async (sql) => {
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
  await asSuperuser(serverUrl, (sql) => sql.unsafe(`CREATE DATABASE ${name}`));
  try {
    // One simple-protocol message: one transaction, all or nothing.
    await asSuperuser(superUrl.toString(), (sql) => sql.unsafe(nileEmulationSql()));
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: appUrl.toString(), engine: "postgres", drop };
}

// PGlite is one session shared by every connection of its wire server, and it ignores the
// startup message's user and parameters (measured: `user`, `options=-c role=…`, `role`,
// `TimeZone`, ALTER ROLE/DATABASE … SET all leave current_user postgres, superuser). So after
// installing as postgres, the session itself is switched to the developer role with a
// session-level SET ROLE; every later connection acts as nile_developer. The URL names the
// role for the reader; the engine does not read it. A client that sends RESET ROLE, SET
// SESSION AUTHORIZATION or DISCARD ALL would get the superuser back (the transcript guard
// forbids SET ROLE on the nile target).
async function createEmbedded(): Promise<NileShapedDatabase> {
  const engine = await startEmbeddedEngine();
  try {
    await asSuperuser(engine.url, async (sql) => {
      await sql.unsafe(nileEmulationSql());
      await sql.unsafe(`SET ROLE ${NILE_DEVELOPER}`);
    });
  } catch (error) {
    await engine.stop();
    throw error;
  }
  const url = new URL(engine.url);
  url.username = NILE_DEVELOPER;
  return { url: url.toString(), engine: "embedded", drop: () => engine.stop() };
}

/** One connection, closed after `work`. */
async function asSuperuser<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}
