import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import * as schema from "../schema";

type Db = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

/**
 * drizzle on a postgres.js pool. With `refuse`, drizzle's own queries call it instead of
 * running (NileDB outside a context), while `$client` stays the pool the contexts reserve from:
 * drizzle gets a stand-in with the pool's settings (it reads the type parsers) and no way to
 * run a statement.
 */
export function drizzleOnPool(sql: postgres.Sql, refuse?: () => never): Db {
  if (!refuse) return drizzle(sql, { schema });
  const refusing = new Proxy(sql, {
    apply: refuse,
    get: (target, key) => (key === "unsafe" || key === "begin" || key === "reserve" ? refuse : (Reflect.get(target, key) as unknown)),
  });
  return Object.assign(drizzle(refusing, { schema }), { $client: sql });
}
