// @penguinmails/db: the client, its types, and the query operators apps need, so that
// apps never import drizzle-orm or postgres themselves. Tables live in ./schema.
export { createClient, type AnyTx, type ClientOptions, type Database, type DatabaseClient, type Schema, type SystemTx, type TenantTx, type Transaction, type UserTx } from "./client";
export { connect, type Connection } from "./connect";
export { describeDatabaseError, isConnectionFailure } from "./connection-error";
export { ConfigError } from "./env";
export { migrate, pendingMigrations, MigrationFailedError, type MigrationResult } from "./migrate";
export type { User, NewUser, Tenant, NewTenant, TenantUser, NewTenantUser } from "./schema";
export { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, ne, not, or, sql } from "drizzle-orm";
export { checkDatabase, readAsUser, readInTenant, withSystem, withTenant, withUser, type TenantContext, type UserContext } from "./context";
export { DataError, isDataError, type DataErrorCode, type FieldProblem } from "./errors";
export * from "./data";
