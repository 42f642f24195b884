-- "The tenants of a user" (listMyTenants: the workspace list on every page load) from the
-- index alone. With the index on user_id only, each membership was a heap fetch on a page of
-- its own: 13 buffers for a user's 10 memberships, at 1,000,000 pages of a 128 MB table that
-- often were not in shared_buffers, where the 10,000-membership world fits in memory (pnpm
-- bench, scenario 4 "growth: my tenants": 2.1-2.4x on this machine).
-- With every column the query reads from a membership in the key, it reads one or two leaf
-- pages (4 buffers), Heap Fetches 0 once VACUUM has marked the pages all-visible.
-- The price: the index holds ~90 bytes a membership instead of ~13 (100 MB instead of 13 MB at
-- 1,000,000), and a change of roles rewrites its entry. CREATE INDEX (not CONCURRENTLY:
-- migrations run in one transaction) blocks writes to tenant_users while it builds: 1.5 s for
-- 1,000,000 memberships here. It still serves the foreign key's cascade from users (by user_id).
DROP INDEX "users"."tenant_users_user_id_idx";--> statement-breakpoint
CREATE INDEX "tenant_users_user_id_idx" ON "users"."tenant_users" USING btree ("user_id","tenant_id","deleted","roles");