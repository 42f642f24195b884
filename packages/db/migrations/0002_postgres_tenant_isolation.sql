-- Postgres-only tenant isolation (NileDB enforces its own and refuses roles, functions and
-- policies): row-level security on the three tables, read from the same settings NileDB
-- uses (nile.tenant_id, nile.user_id), failing closed when they are unset or empty.
--
-- penguinmails_app    the runtime role: every request switches to it inside its transaction.
-- penguinmails_system crosses tenants (retention purge, seeding); reachable only by its members.
-- Both own nothing and log in as nobody; roles are cluster-wide, so create them idempotently
-- (another database may be migrating at the same moment).
DO $$
BEGIN
  CREATE ROLE penguinmails_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  CREATE ROLE penguinmails_system NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
-- The migrating user may switch to both (SET LOCAL ROLE), which is how it seeds and tests.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'penguinmails_app', 'MEMBER') THEN
    EXECUTE format('GRANT penguinmails_app TO %I', current_user);
  END IF;
  IF NOT pg_has_role(current_user, 'penguinmails_system', 'MEMBER') THEN
    EXECUTE format('GRANT penguinmails_system TO %I', current_user);
  END IF;
END $$;
--> statement-breakpoint
REVOKE ALL ON users, tenants, tenant_users FROM PUBLIC;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON users, tenants, tenant_users TO penguinmails_app, penguinmails_system;
--> statement-breakpoint
-- The health check compares applied migrations with the code's, as the runtime role.
GRANT USAGE ON SCHEMA drizzle TO penguinmails_app;
--> statement-breakpoint
GRANT SELECT ON drizzle.__drizzle_migrations TO penguinmails_app;
--> statement-breakpoint
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenant_users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenant_users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Helpers that policies call once per statement (as InitPlans). They read tenant_users
-- without recursing through its own policy by running as penguinmails_system, which is
-- why they live in a schema of their own that penguinmails_system may create in.
CREATE SCHEMA IF NOT EXISTS penguinmails_rls;
--> statement-breakpoint
REVOKE ALL ON SCHEMA penguinmails_rls FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA penguinmails_rls TO penguinmails_app, penguinmails_system;
--> statement-breakpoint
GRANT CREATE ON SCHEMA penguinmails_rls TO penguinmails_system;
--> statement-breakpoint
-- The tenants the context may see: in a tenant context, that tenant if the acting user is a
-- live member of it; in a user context, every tenant the user is a live member of; else none.
CREATE FUNCTION penguinmails_rls.visible_tenant_ids() RETURNS uuid[]
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
  WITH context AS (
    SELECT nullif(current_setting('nile.tenant_id', true), '')::uuid AS tenant_id,
           nullif(current_setting('nile.user_id', true), '')::uuid AS user_id
  )
  SELECT coalesce(array_agg(m.tenant_id), '{}')
  FROM context c
  JOIN public.tenant_users m
    ON m.user_id = c.user_id
   AND m.deleted IS NULL
   AND (c.tenant_id IS NULL OR m.tenant_id = c.tenant_id)
$$;
--> statement-breakpoint
ALTER FUNCTION penguinmails_rls.visible_tenant_ids() OWNER TO penguinmails_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION penguinmails_rls.visible_tenant_ids() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION penguinmails_rls.visible_tenant_ids() TO penguinmails_app;
--> statement-breakpoint
-- tenants: visible as above; changed or removed only from its own tenant context; created
-- only through the data layer's create function (a later migration), never by plain INSERT.
CREATE POLICY tenants_app_select ON tenants FOR SELECT TO penguinmails_app
  USING (id = ANY ((SELECT penguinmails_rls.visible_tenant_ids())::uuid[]));
--> statement-breakpoint
CREATE POLICY tenants_app_update ON tenants FOR UPDATE TO penguinmails_app
  USING (id = ANY ((SELECT penguinmails_rls.visible_tenant_ids())::uuid[])
         AND (SELECT nullif(current_setting('nile.tenant_id', true), '')::uuid) IS NOT NULL)
  WITH CHECK (id = ANY ((SELECT penguinmails_rls.visible_tenant_ids())::uuid[])
         AND (SELECT nullif(current_setting('nile.tenant_id', true), '')::uuid) IS NOT NULL);
--> statement-breakpoint
CREATE POLICY tenants_app_delete ON tenants FOR DELETE TO penguinmails_app
  USING (id = ANY ((SELECT penguinmails_rls.visible_tenant_ids())::uuid[])
         AND (SELECT nullif(current_setting('nile.tenant_id', true), '')::uuid) IS NOT NULL);
--> statement-breakpoint
-- tenant_users: in a tenant context, that tenant's memberships; in a user context, the
-- user's own live memberships. The same rule guards reads and writes, so a membership can
-- neither be written into nor moved to a tenant outside the context.
CREATE POLICY tenant_users_app_all ON tenant_users FOR ALL TO penguinmails_app
  USING (tenant_id = ANY ((SELECT penguinmails_rls.visible_tenant_ids())::uuid[])
         AND (user_id = (SELECT nullif(current_setting('nile.user_id', true), '')::uuid)
              OR (SELECT nullif(current_setting('nile.tenant_id', true), '')::uuid) IS NOT NULL))
  WITH CHECK (tenant_id = ANY ((SELECT penguinmails_rls.visible_tenant_ids())::uuid[])
         AND (user_id = (SELECT nullif(current_setting('nile.user_id', true), '')::uuid)
              OR (SELECT nullif(current_setting('nile.tenant_id', true), '')::uuid) IS NOT NULL));
--> statement-breakpoint
-- users: the acting user's own row, and the users behind the memberships the context sees
-- (the subquery runs under tenant_users' policy, which does not look back at users).
CREATE POLICY users_app_select ON users FOR SELECT TO penguinmails_app
  USING (id = (SELECT nullif(current_setting('nile.user_id', true), '')::uuid)
         OR EXISTS (SELECT 1 FROM tenant_users m WHERE m.user_id = users.id));
--> statement-breakpoint
CREATE POLICY users_app_insert ON users FOR INSERT TO penguinmails_app
  WITH CHECK (id = (SELECT nullif(current_setting('nile.user_id', true), '')::uuid));
--> statement-breakpoint
CREATE POLICY users_app_update ON users FOR UPDATE TO penguinmails_app
  USING (id = (SELECT nullif(current_setting('nile.user_id', true), '')::uuid))
  WITH CHECK (id = (SELECT nullif(current_setting('nile.user_id', true), '')::uuid));
--> statement-breakpoint
CREATE POLICY users_app_delete ON users FOR DELETE TO penguinmails_app
  USING (id = (SELECT nullif(current_setting('nile.user_id', true), '')::uuid));
--> statement-breakpoint
-- The system path: explicit, and only for members of penguinmails_system.
CREATE POLICY users_system_all ON users FOR ALL TO penguinmails_system USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenants_system_all ON tenants FOR ALL TO penguinmails_system USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenant_users_system_all ON tenant_users FOR ALL TO penguinmails_system USING (true) WITH CHECK (true);
