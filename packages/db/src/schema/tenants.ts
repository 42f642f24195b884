import { pgTable, text, uuid } from "drizzle-orm/pg-core";
import { lifecycle } from "./columns";

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  ...lifecycle,
  computeId: uuid("compute_id"),
});

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;
