-- NileDB: not run, for now, like the baseline's indexes on built-in tables (whether NileDB
-- accepts an index on users.tenant_users is unknown; see 0000_nile_baseline.sql). On
-- PostgreSQL, migrations/0015 makes "the tenants of a user" an index-only scan. What
-- drizzle-kit generated:
SELECT 1;

-- DROP INDEX "users"."tenant_users_user_id_idx";
-- CREATE INDEX "tenant_users_user_id_idx" ON "users"."tenant_users" USING btree ("user_id","tenant_id","deleted","roles");
