// @penguinmails/db: the client, the contexts, the data functions and their types: what apps
// use, nothing more (drizzle's `sql` for the few raw statements tests and jobs need), so apps
// never import drizzle-orm or postgres themselves. Tables live in ./schema.
export {
  createClient,
  type AnyTx,
  type ClientOptions,
  type Database,
  type DatabaseClient,
  type Schema,
  type SystemTx,
  type TenantTx,
  type Transaction,
  type UserTx,
} from "./client";
export { connect, type Connection } from "./connect";
export { describeDatabaseError, identifyError, isConnectionFailure, type ErrorIdentity } from "./connection-error";
export { ConfigError, readEnv } from "./env";
export { migrate, pendingMigrations, MigrationFailedError, type MigrationResult } from "./migrate";
export { withJobLock, type Locked } from "./job-lock";
export type { User, NewUser, Tenant, NewTenant, TenantUser, NewTenantUser } from "./schema";
export { sql } from "drizzle-orm";
export { checkDatabase, readAsUser, readInTenant, withSystem, withTenant, withUser, type TenantContext, type UserContext } from "./context";
export { DataError, isDataError, type DataErrorCode, type FieldProblem } from "./errors";
export * from "./data";
export { localDataDir } from "./target";
