import { sql } from "drizzle-orm";
import { customType } from "drizzle-orm/pg-core";

/**
 * A point in time, declared `timestamp with time zone` (the ticket's type) but read correctly
 * from NileDB's built-in columns too, which are `timestamp` without one, written by
 * LOCALTIMESTAMP in the session's zone (every client pins UTC: client.ts). drizzle's own
 * timestamp column parses a zoneless value in the Node process's zone: wrong under any TZ
 * but UTC. A value with an offset is taken as it is; one without is UTC.
 */
export const instant = customType<{ data: Date; driverData: string }>({
  dataType: () => "timestamp with time zone",
  fromDriver: (value) => new Date(HAS_OFFSET.test(value) ? value : `${value}+0000`),
  toDriver: (value) => value.toISOString(),
});
const HAS_OFFSET = /(?:[+-]\d{2}(?::?\d{2}){0,2}|Z)$/;

// The three lifecycle columns every NileDB-managed table carries. Every update through
// Drizzle sets `updated`, on every engine; on PostgreSQL without Citus a trigger also moves
// it for writers outside the data layer (Citus refuses triggers on distributed tables).
export const lifecycle = {
  created: instant("created")
    .notNull()
    .default(sql`now()`),
  updated: instant("updated")
    .notNull()
    .default(sql`now()`)
    .$onUpdate(() => sql`now()`),
  deleted: instant("deleted"),
};
