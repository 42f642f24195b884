// The typed data layer: every operation takes the db handle or a transaction first and
// runs inside a context (withTenant / withUser / withSystem), which decides what it sees.
export { createUser, signInByEmail, findUserById, findUserByEmail, updateProfile, changeEmail, markEmailVerified, softDeleteUser, restoreUser, eraseUser, type NewUserInput } from "./users";
export { createTenant, renameTenant, softDeleteTenant, restoreTenant, listMyTenants, type MyTenant } from "./tenants";
export { addMember, importMembers, listMembers, changeRoles, removeMember, leaveTenant, type Member, type MemberImport, type MemberPage } from "./memberships";
export {
  TENANT_ROLES,
  IMPORT_BATCH_LIMIT,
  emailSchema,
  normalizeEmail,
  displayEmail,
  memberImportSchema,
  idSchema,
  newMemberSchema,
  newUserSchema,
  profileSchema,
  roleSchema,
  rolesSchema,
  tenantNameSchema,
  textSchema,
  parseInput,
  type ProfileInput,
  type TenantRole,
} from "./validation";
export { toDataError } from "./db-errors";
export { purgeDeleted, type PurgeOptions, type PurgeBatch, type PurgeReport, type PurgedTable } from "./retention";
