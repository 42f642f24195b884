import { eq, isNull, and, type Database } from "@penguinmails/db";
import { tenants, tenantUsers, type Tenant } from "@penguinmails/db/schema";

// Placeholder for the web app (its own issue): a typed read through the db package, so
// a schema change that breaks it fails this workspace's typecheck.
export async function tenantsOfUser(db: Database, userId: string): Promise<Pick<Tenant, "id" | "name">[]> {
  return db
    .select({ id: tenants.id, name: tenants.name })
    .from(tenantUsers)
    .innerJoin(tenants, eq(tenants.id, tenantUsers.tenantId))
    .where(and(eq(tenantUsers.userId, userId), isNull(tenantUsers.deleted), isNull(tenants.deleted)));
}
