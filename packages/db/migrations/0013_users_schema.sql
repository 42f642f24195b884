-- NileDB keeps its built-in users and tenant_users in a schema named `users` (tenants stays in
-- public). They move there on every engine, so one Drizzle schema addresses NileDB's tables and
-- ours. Policies, indexes, constraints and (on Citus) shards follow the tables.
-- drizzle-kit also proposed re-creating tenants_deleted_idx (its predicate is now written bare,
-- as NileDB needs it): the index PostgreSQL holds is the same either way, so it is left alone;
-- and it disabled row-level security, which Drizzle's schema does not declare: kept on.
CREATE SCHEMA "users";
--> statement-breakpoint
REVOKE ALL ON SCHEMA "users" FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA "users" TO penguinmails_app, penguinmails_app_user, penguinmails_system, penguinmails_definer;
--> statement-breakpoint
ALTER TABLE "public"."tenant_users" SET SCHEMA "users";
--> statement-breakpoint
ALTER TABLE "public"."users" SET SCHEMA "users";
--> statement-breakpoint
-- Function bodies name the tables by schema (their search_path is pinned), and PostgreSQL keeps
-- bodies as text: each one that names a moved table is re-created with the new name, whatever
-- variant an earlier migration installed on this engine (Citus has its own).
DO $$
DECLARE
  f record;
  body text;
BEGIN
  FOR f IN
    SELECT p.oid FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'penguinmails_rls'::regnamespace
      AND p.prosrc ~ '\mpublic\.(users|tenant_users)\M'
  LOOP
    body := pg_catalog.pg_get_functiondef(f.oid);
    body := regexp_replace(body, '\mpublic\.users\M', 'users.users', 'g');
    body := regexp_replace(body, '\mpublic\.tenant_users\M', 'users.tenant_users', 'g');
    EXECUTE body;
  END LOOP;
END $$;
--> statement-breakpoint
-- A plain client finds the tables as on NileDB, whose default search_path is
-- `public, users, ...`: new sessions, and this one (the embedded engine serves every client
-- from one session, which would otherwise see the new default only after a restart).
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path = public, users', current_database());
  PERFORM pg_catalog.set_config('search_path', 'public, users', false);
END $$;
