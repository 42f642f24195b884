import { sql } from "drizzle-orm";
import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { lifecycle } from "./columns";

export const tenants = pgTable(
  "tenants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    ...lifecycle,
    computeId: uuid("compute_id"),
  },
  // The retention purge finds rows deleted before a cutoff; live rows stay out of it.
  (table) => [
    index("tenants_deleted_idx")
      .on(table.deleted)
      .where(sql`deleted IS NOT NULL`),
  ],
);

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;
