import { sql } from "drizzle-orm";
import { timestamp } from "drizzle-orm/pg-core";

// The three lifecycle columns every NileDB-managed table carries. Every update through
// Drizzle sets `updated`, on every engine; on PostgreSQL without Citus a trigger also moves
// it for writers outside the data layer (Citus refuses triggers on distributed tables).
export const lifecycle = {
  created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  updated: timestamp("updated", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => sql`now()`),
  deleted: timestamp("deleted", { withTimezone: true }),
};
