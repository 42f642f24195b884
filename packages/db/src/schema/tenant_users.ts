import { sql } from "drizzle-orm";
import { index, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { lifecycle } from "./columns";
import { tenants } from "./tenants";
import { users } from "./users";
import { usersSchema } from "./users-schema";

export const tenantUsers = usersSchema.table(
  "tenant_users",
  {
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roles: text("roles")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    email: text("email"),
    ...lifecycle,
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.userId] }),
    // The primary key serves lookups by tenant; this one serves "the tenants of a user" from
    // the index alone (an index-only scan: the user's memberships sit together in one or two
    // leaf pages, where the table has them on as many pages as memberships). Every column
    // "my workspaces" reads from a membership is a key here; Drizzle declares no INCLUDE.
    index("tenant_users_user_id_idx").on(table.userId, table.tenantId, table.deleted, table.roles),
    // The retention purge finds memberships deleted before a cutoff.
    index("tenant_users_deleted_idx")
      .on(table.deleted)
      .where(sql`deleted IS NOT NULL`),
  ],
);

export type TenantUser = typeof tenantUsers.$inferSelect;
export type NewTenantUser = typeof tenantUsers.$inferInsert;
