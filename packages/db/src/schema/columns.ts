import { timestamp } from "drizzle-orm/pg-core";

// The three lifecycle columns every NileDB-managed table carries. `updated` is moved by a
// database trigger (migrations), so every writer, not only Drizzle, keeps it true.
export const lifecycle = {
  created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  updated: timestamp("updated", { withTimezone: true }).notNull().defaultNow(),
  deleted: timestamp("deleted", { withTimezone: true }),
};
