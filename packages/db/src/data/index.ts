// The typed data layer: every operation takes a context's transaction first, typed by the
// scopes it runs in (TenantTx, UserTx, SystemTx), and the context decides what it sees. Two
// are entry points of their own and take the db handle: signInByEmail and purgeDeleted.
export {
  createUser,
  signInByEmail,
  findUserById,
  findUserByEmail,
  updateProfile,
  changeEmail,
  markEmailVerified,
  softDeleteUser,
  restoreUser,
  eraseUser,
  type NewUserInput,
} from "./users";
export { createTenant, renameTenant, softDeleteTenant, restoreTenant, listMyTenants, type MyTenant } from "./tenants";
export { addMember, importMembers, listMembers, changeRoles, removeMember, leaveTenant, type Member, type MemberImport, type MemberPage } from "./memberships";
export {
  TENANT_ROLES,
  emailSchema,
  displayEmail,
  idSchema,
  rolesSchema,
  tenantNameSchema,
  textSchema,
  parseInput,
  type ProfileInput,
  type TenantRole,
} from "./validation";
export { purgeDeleted, type PurgeOptions, type PurgeBatch, type PurgeReport, type PurgedTable } from "./retention";
