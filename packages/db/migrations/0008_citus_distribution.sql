-- Where the citus extension is installed (create it before the first migration), spread the
-- tables over the cluster: tenants by id, tenant_users by tenant_id on the same shards
-- (colocated, so a tenant's rows and memberships live together and one tenant's request is
-- routed to one shard), users as a reference table copied to every node. Elsewhere this
-- migration does nothing.
DO $$
DECLARE
  db text := current_database();
  runtime text := 'penguinmails_app, penguinmails_app_user, penguinmails_system, penguinmails_definer';
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;

  -- Citus opens its connections to the workers as the current user, so the roles that run
  -- queries must be able to log in there. They have no password: only the nodes, trusted
  -- or given one in pg_dist_authinfo, connect as them.
  EXECUTE 'ALTER ROLE penguinmails_app LOGIN';
  EXECUTE 'ALTER ROLE penguinmails_app_user LOGIN';
  EXECUTE 'ALTER ROLE penguinmails_system LOGIN';
  EXECUTE 'ALTER ROLE penguinmails_definer LOGIN';
  -- ... and connect to this database on the workers, but not on the coordinator, where the
  -- logins get CONNECT one by one (see the README's production posture).
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %s', db, runtime);
  PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %s', db, runtime);
  PERFORM set_config('citus.enable_ddl_propagation', 'on', true);

  -- Every client's SET LOCAL (the contexts) reaches the workers of its transaction; and a
  -- transaction that read from every shard (entering a user context) may still write the
  -- reference table (a profile change), which Citus refuses after a parallel read.
  EXECUTE format('ALTER DATABASE %I SET citus.propagate_set_commands = %L', db, 'local');
  EXECUTE format('ALTER DATABASE %I SET citus.multi_shard_modify_mode = %L', db, 'sequential');

  -- Citus refuses triggers on distributed tables: the data layer sets `updated` and the
  -- memberships' email copies itself, on every engine.
  DROP TRIGGER users_touch_updated ON public.users;
  DROP TRIGGER tenants_touch_updated ON public.tenants;
  DROP TRIGGER tenant_users_touch_updated ON public.tenant_users;
  DROP TRIGGER tenant_users_copy_email ON public.tenant_users;
  DROP TRIGGER users_propagate_email ON public.users;

  -- ... and sub-queries in policies: a tenant context may read any user row here, and the
  -- data layer reaches users only through the tenant's memberships.
  DROP POLICY users_app_select ON public.users;
  CREATE POLICY users_app_select ON public.users FOR SELECT TO penguinmails_app
    USING (id = nullif(current_setting('nile.user_id', true), '')::uuid
           OR nullif(current_setting('nile.tenant_id', true), '') IS NOT NULL);

  -- A local table may not reference a distributed one: the membership's tenant key comes
  -- back once both are distributed (colocated, so Citus checks it shard by shard).
  ALTER TABLE public.tenant_users DROP CONSTRAINT tenant_users_tenant_id_tenants_id_fk;
  PERFORM create_reference_table('public.users');
  PERFORM create_distributed_table('public.tenants', 'id');
  PERFORM create_distributed_table('public.tenant_users', 'tenant_id', colocate_with => 'public.tenants');
  ALTER TABLE public.tenant_users ADD CONSTRAINT tenant_users_tenant_id_tenants_id_fk
    FOREIGN KEY (tenant_id) REFERENCES public.tenants (id) ON DELETE CASCADE;
END $$;
