import type { Database } from "./client";
import { withSystem } from "./context";
import { tenants, tenantUsers, users } from "./schema";

// A small demo world with fixed ids, so that seeding twice changes nothing: rows that
// exist are left exactly as they are (ON CONFLICT DO NOTHING), `updated` included.

const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;

export const demo = {
  tenants: [
    { id: id(101), name: "Penguin Post" },
    { id: id(102), name: "Iceberg Labs" },
    { id: id(103), name: "Krill & Co" },
  ],
  users: [
    { id: id(1), email: "olivia@penguinmails.test", name: "Olivia Owner", givenName: "Olivia", familyName: "Owner" },
    { id: id(2), email: "adam@penguinmails.test", name: "Adam Admin", givenName: "Adam", familyName: "Admin" },
    { id: id(3), email: "mia@penguinmails.test", name: "Mia Member", givenName: "Mia", familyName: "Member" },
    { id: id(4), email: "victor@penguinmails.test", name: "Victor Viewer", givenName: "Victor", familyName: "Viewer" },
    { id: id(5), email: "ingrid@penguinmails.test", name: "Ingrid Iceberg", givenName: "Ingrid", familyName: "Iceberg" },
    { id: id(6), email: "kai@penguinmails.test", name: "Kai Krill", givenName: "Kai", familyName: "Krill" },
  ],
  memberships: [
    { tenantId: id(101), userId: id(1), roles: ["owner"] },
    { tenantId: id(101), userId: id(2), roles: ["admin"] },
    { tenantId: id(101), userId: id(3), roles: ["member"] },
    { tenantId: id(101), userId: id(4), roles: ["viewer"] },
    { tenantId: id(102), userId: id(5), roles: ["owner"] },
    // Olivia works in two tenants.
    { tenantId: id(102), userId: id(1), roles: ["member"] },
    { tenantId: id(103), userId: id(6), roles: ["owner", "admin"] },
  ],
};

export interface SeedResult {
  inserted: { users: number; tenants: number; memberships: number };
}

// One transaction per scope, and one tenant per statement, as NileDB requires: the users
// (a shared table), then each tenant, then each tenant's memberships.
export async function seed(db: Database): Promise<SeedResult> {
  const inserted = { users: 0, tenants: 0, memberships: 0 };
  inserted.users = await withSystem(db, async (tx) => (await tx.insert(users).values(demo.users).onConflictDoNothing().returning({ id: users.id })).length);
  for (const tenant of demo.tenants) {
    inserted.tenants += await withSystem(
      db,
      async (tx) => (await tx.insert(tenants).values(tenant).onConflictDoNothing().returning({ id: tenants.id })).length,
    );
  }
  for (const tenant of demo.tenants) {
    const memberships = demo.memberships.filter((m) => m.tenantId === tenant.id);
    inserted.memberships += await withSystem(
      db,
      async (tx) => (await tx.insert(tenantUsers).values(memberships).onConflictDoNothing().returning({ userId: tenantUsers.userId })).length,
    );
  }
  return { inserted };
}
