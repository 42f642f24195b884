-- A user context creates a tenant, restores one or locks one before account deletion in
-- that tenant's scope (nile.tenant_id set within the user context). It used to switch to
-- penguinmails_app for that; Citus refuses a transaction that then reads, as the user
-- context's role, shards that penguinmails_app wrote ("cannot perform query on placements
-- that were modified in this transaction by a different user"). So the user context's role
-- gets the tenant scope's policies itself: equality with nile.tenant_id, which is empty (and
-- matches nothing) in a user context until the data layer scopes it.
GRANT INSERT, UPDATE ON public.tenants TO penguinmails_app_user;
--> statement-breakpoint
GRANT INSERT, UPDATE ON public.tenant_users TO penguinmails_app_user;
--> statement-breakpoint
CREATE POLICY tenants_app_user_scope ON public.tenants FOR ALL TO penguinmails_app_user
  USING (id = nullif(current_setting('nile.tenant_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('nile.tenant_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY tenant_users_app_user_scope ON public.tenant_users FOR ALL TO penguinmails_app_user
  USING (tenant_id = nullif(current_setting('nile.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('nile.tenant_id', true), '')::uuid);
--> statement-breakpoint
-- ... and sees the users behind that tenant's memberships, as a tenant context does (the
-- owner checks before an account goes read them). On Citus, as for tenant contexts
-- (migration 0008), without the sub-query it refuses on a reference table.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
    -- Not "nullif(...) IS NOT NULL": Citus 13.2 fails to send that expression to its workers.
    CREATE POLICY users_app_user_scope ON public.users FOR SELECT TO penguinmails_app_user
      USING (coalesce(current_setting('nile.tenant_id', true), '') <> '');
  ELSE
    CREATE POLICY users_app_user_scope ON public.users FOR SELECT TO penguinmails_app_user
      USING (EXISTS (SELECT 1 FROM public.tenant_users m
                     WHERE m.tenant_id = nullif(current_setting('nile.tenant_id', true), '')::uuid AND m.user_id = users.id));
  END IF;
END $$;
