import net from "node:net";
import { createClient, type DatabaseClient } from "@penguinmails/db";
import { createTestDatabase, type TestDatabase } from "@penguinmails/db/testing";
import postgres from "postgres";
import { withDatabaseUrl } from "./env";
import { seedWorld } from "./seed";
import { describeScale, type Scale } from "./world";

export type Engine = "postgres" | "citus" | "embedded";

export interface BenchDatabase {
  url: string;
  engine: Engine;
  /** the seeded world, when there is one */
  scale?: Scale;
  drop(): Promise<void>;
}

/** Everything a run opens, closed in reverse order however the run ends. */
export class Resources {
  private readonly closers: (() => Promise<unknown>)[] = [];

  defer(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    while (this.closers.length) {
      const close = this.closers.pop()!;
      await close().catch((error: unknown) => console.error(`bench: cleanup failed: ${String(error)}`));
    }
  }
}

/** A fresh database on the run's engine (DATABASE_URL, else embedded), migrated unless asked. */
export async function openDatabase(resources: Resources, options: { migrate?: boolean } = {}): Promise<BenchDatabase> {
  return benchable(resources, await createTestDatabase({ migrate: options.migrate ?? true }));
}

/** A fresh in-memory embedded engine, migrated, whatever DATABASE_URL says (scenario 7). */
export async function openEmbedded(resources: Resources): Promise<BenchDatabase> {
  return benchable(resources, await createTestDatabase({ engine: "embedded" }));
}

// The raw side of the scenarios is PostgreSQL's (its roles and functions): no NileDB-shaped run.
function benchable(resources: Resources, database: TestDatabase): BenchDatabase {
  const drop = once(() => database.drop());
  resources.defer(drop);
  const { engine } = database;
  if (engine === "nile") throw new Error("bench: runs on PostgreSQL, Citus or the embedded engine, not with DATABASE_TARGET=nile");
  return { ...database, engine, drop };
}

/**
 * A fresh database on the Citus coordinator at `coordinatorUrl`, spanning its cluster and
 * migrated (scenario 9). createTestDatabase makes it on the server DATABASE_URL names, so
 * that variable points at the coordinator for the call; the bench runs nothing else meanwhile.
 */
export async function openCitus(resources: Resources, coordinatorUrl: string): Promise<BenchDatabase> {
  const database = benchable(resources, await withDatabaseUrl(coordinatorUrl, () => createTestDatabase()));
  if (database.engine !== "citus") throw new Error("bench: BENCH_CITUS_URL is not a Citus coordinator with workers");
  return database;
}

/** `close`, called any number of times, runs once. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

export async function seeded(database: BenchDatabase, scale: Scale): Promise<BenchDatabase> {
  const { seconds } = await seedWorld(database.url, scale);
  console.log(`bench: seeded ${describeScale(scale)} on ${database.engine} in ${seconds.toFixed(1)} s`);
  return { ...database, scale };
}

// One pool per side, under one application name. The data layer's side is createClient's
// (idle timeout, UTC); the raw side is a plain postgres.js client, what an app without the
// data layer would open.
const APPLICATION_NAME = "penguinmails-bench";

export function dataLayerClient(resources: Resources, url: string, max: number): DatabaseClient {
  const client = createClient(url, { max, applicationName: APPLICATION_NAME });
  resources.defer(() => client.close());
  return client;
}

export interface RawOptions {
  debug?: postgres.Options<never>["debug"];
  /**
   * TCP_NODELAY on the client's sockets, which postgres.js leaves off. It only matters when
   * the client writes twice without waiting for an answer, as COPY does (its data, then
   * CopyDone): Nagle then holds the second write for the server's delayed ACK.
   */
  noDelay?: boolean;
}

export function rawClient(resources: Resources, url: string, max: number, options: RawOptions = {}): postgres.Sql {
  const target = new URL(url);
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: APPLICATION_NAME },
    ...(options.debug ? { debug: options.debug } : {}),
    ...(options.noDelay ? { socket: () => connectNoDelay(target.hostname, Number(target.port || 5432)) } : {}),
  });
  resources.defer(() => sql.end({ timeout: 5 }));
  return sql;
}

function connectNoDelay(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once("error", reject);
  });
}
