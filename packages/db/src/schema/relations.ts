import { relations } from "drizzle-orm";
import { tenantUsers } from "./tenant_users";
import { tenants } from "./tenants";
import { users } from "./users";

export const usersRelations = relations(users, ({ many }) => ({
  memberships: many(tenantUsers),
}));

export const tenantsRelations = relations(tenants, ({ many }) => ({
  memberships: many(tenantUsers),
}));

export const tenantUsersRelations = relations(tenantUsers, ({ one }) => ({
  tenant: one(tenants, { fields: [tenantUsers.tenantId], references: [tenants.id] }),
  user: one(users, { fields: [tenantUsers.userId], references: [users.id] }),
}));
