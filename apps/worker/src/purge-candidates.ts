import { and, isNotNull, lt, type Database } from "@penguinmails/db";
import { users } from "@penguinmails/db/schema";

// Placeholder for the retention purge (its own issue): it already reads the schema's
// types, so renaming a column it relies on fails this workspace's typecheck.
export async function countUsersDeletedBefore(db: Database, cutoff: Date): Promise<number> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(isNotNull(users.deleted), lt(users.deleted, cutoff)));
  return rows.length;
}
