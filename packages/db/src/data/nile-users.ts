import { and, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../client";
import { withSystem } from "../context";
import { users } from "../schema";

// NileDB runs no functions, so the find-or-create that resolve_user(s) and sign_in() do on
// PostgreSQL is done here, in a transaction of its own: NileDB will not write the shared
// users table in a tenant's transaction. Matching ignores case, as on PostgreSQL; NileDB's
// own unique index (users_email_key) is on the exact text, and emails arrive normalized.
// Two requests creating the same address in different cases at once can both succeed there:
// PostgreSQL's case-insensitive index has no NileDB counterpart (expression indexes are refused).

export interface UserToResolve {
  email: string;
  name?: string | null;
}

/** The live users with these emails, created (unverified) where missing: email as passed → id. */
export async function findOrCreateUsers(db: Database, wanted: UserToResolve[]): Promise<Map<string, string>> {
  return withSystem(db, async (tx) => {
    const find = async () => {
      const rows = await tx
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(
          and(
            inArray(
              sql`lower(${users.email})`,
              wanted.map((w) => w.email.toLowerCase()),
            ),
            isNull(users.deleted),
          ),
        );
      const byLower = new Map(rows.map((row) => [row.email.toLowerCase(), row.id]));
      return new Map(wanted.flatMap((w) => (byLower.has(w.email.toLowerCase()) ? [[w.email, byLower.get(w.email.toLowerCase())!]] : [])));
    };
    const found = await find();
    const missing = wanted.filter((w) => !found.has(w.email));
    if (missing.length === 0) return found;
    await tx
      .insert(users)
      .values(missing.map((w) => ({ email: w.email, name: w.name ?? null })))
      .onConflictDoNothing();
    return find();
  });
}
