import postgres from "postgres";
import { MEMBERS_PER_TENANT, sqlTenantId, sqlUserEmail, sqlUserId, type Scale } from "./world";

// Set-based seeding, one transaction, as the database owner. A superuser owner (the usual
// server login here, and always the embedded engine) skips triggers and foreign-key checks
// with session_replication_role = replica and writes tenant_users.email itself; any other
// owner goes through penguinmails_system and the triggers. Memberships go in primary-key
// order so the index is filled left to right, not at random.

export async function seedWorld(url: string, scale: Scale): Promise<{ seconds: number }> {
  const start = performance.now();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [me] = await sql<{ super: boolean }[]>`SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user`;
    await sql.begin(async (tx) => {
      await tx.unsafe("SET LOCAL synchronous_commit = off");
      await tx.unsafe(me?.super ? "SET LOCAL session_replication_role = replica" : "SET LOCAL ROLE penguinmails_system");
      await tx.unsafe(`
        INSERT INTO users (id, email, name, given_name, family_name)
        SELECT ${sqlUserId("n")}, ${sqlUserEmail("n")}, 'User ' || n, 'User', n::text
        FROM generate_series(0, ${scale.users - 1}) AS n`);
      await tx.unsafe(`
        INSERT INTO tenants (id, name)
        SELECT ${sqlTenantId("t")}, 'Tenant ' || t FROM generate_series(0, ${scale.tenants - 1}) AS t`);
      await tx.unsafe(`
        INSERT INTO tenant_users (tenant_id, user_id, roles, email)
        SELECT ${sqlTenantId("t")}, ${sqlUserId("u")},
               CASE WHEN k = 0 THEN ARRAY['owner'] ELSE ARRAY['member'] END, ${sqlUserEmail("u")}
        FROM generate_series(0, ${scale.tenants - 1}) AS t,
             generate_series(0, ${MEMBERS_PER_TENANT - 1}) AS k,
             LATERAL (SELECT (t * ${MEMBERS_PER_TENANT} + k) % ${scale.users} AS u) AS member
        ORDER BY 1, 2`);
    });
    // Fresh statistics and a visibility map, as a long-lived database would have.
    await sql.unsafe("VACUUM (ANALYZE) users, tenants, tenant_users");
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { seconds: (performance.now() - start) / 1000 };
}
