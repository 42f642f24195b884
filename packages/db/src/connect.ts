import { createClient, type ClientOptions, type DatabaseClient } from "./client";
import { resolveAppDatabase, type DatabaseTarget } from "./target";

export interface Connection extends DatabaseClient {
  engine: DatabaseTarget["engine"];
  url: string;
}

/** Opens the app database: DATABASE_URL (NileDB with DATABASE_TARGET=nile or NILEDB_URL), or the embedded engine when none is set. */
export async function connect(options: ClientOptions = {}): Promise<Connection> {
  const target = await resolveAppDatabase();
  const client = createClient(target.url, { ...options, ...(target.engine === "nile" ? { target: "nile" as const } : {}) });
  return {
    ...client,
    engine: target.engine,
    url: target.url,
    async close() {
      await client.close();
      await target.release();
    },
  };
}
