// Tables, relations and row types only: importing this has no driver side effects.
export { usersSchema } from "./users-schema";
export { users, type User, type NewUser } from "./users";
export { tenants, type Tenant, type NewTenant } from "./tenants";
export { tenantUsers, type TenantUser, type NewTenantUser } from "./tenant_users";
export { usersRelations, tenantsRelations, tenantUsersRelations } from "./relations";
