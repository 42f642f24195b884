-- Tenant isolation by equality (NileDB's own model), and helpers no login can hijack.
--
-- Policies now compare a row's tenant with the context's nile.tenant_id and nothing else:
-- no sub-query, no function that reads a table, so Citus accepts them on distributed
-- tables. Whether the acting user is a live member of a live tenant is checked once, when
-- the data layer enters the context (penguinmails_rls.enter_tenant, in the same round trip
-- as the context's first statement), as NileDB does when nile.user_id is set. A user context
-- runs as penguinmails_app_user and sees its own memberships by equality on user_id, and
-- their tenants through the list penguinmails_rls.enter_user() puts in
-- penguinmails.user_tenants on entry.
--
-- The remaining SECURITY DEFINER helpers (find-or-create a user by email, the email-copy
-- triggers) are off the read path. They pin search_path with pg_temp last,
-- qualify every type and relation, and belong to penguinmails_definer: NOLOGIN, and no
-- login is made a member of it. The runtime roles lose TEMPORARY (no temp objects to shadow
-- anything with) and CONNECT goes from PUBLIC to the logins that are granted it.
DO $$
BEGIN
  CREATE ROLE penguinmails_definer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.users, public.tenants, public.tenant_users TO penguinmails_definer;
--> statement-breakpoint
CREATE POLICY users_definer_all ON public.users FOR ALL TO penguinmails_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenants_definer_all ON public.tenants FOR ALL TO penguinmails_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenant_users_definer_all ON public.tenant_users FOR ALL TO penguinmails_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
-- Only the migrating user creates in the helpers' schema from now on.
REVOKE CREATE ON SCHEMA penguinmails_rls FROM penguinmails_system;
--> statement-breakpoint
DO $$
BEGIN
  EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END $$;
--> statement-breakpoint
DROP POLICY tenants_app_select ON public.tenants;
--> statement-breakpoint
DROP POLICY tenants_app_update ON public.tenants;
--> statement-breakpoint
DROP POLICY tenants_app_delete ON public.tenants;
--> statement-breakpoint
DROP POLICY tenant_users_app_all ON public.tenant_users;
--> statement-breakpoint
DROP POLICY users_app_select ON public.users;
--> statement-breakpoint
DROP POLICY users_app_insert ON public.users;
--> statement-breakpoint
DROP POLICY users_app_update ON public.users;
--> statement-breakpoint
DROP POLICY users_app_delete ON public.users;
--> statement-breakpoint
DROP FUNCTION penguinmails_rls.visible_tenant_ids();
--> statement-breakpoint
-- Tenants are created by the data layer in the new tenant's own scope (nile.tenant_id set to
-- the new id), with the creator's owner membership in the same transaction.
DROP FUNCTION penguinmails_rls.create_tenant(uuid, text);
--> statement-breakpoint
-- Tenant contexts (penguinmails_app): the context's tenant, by equality.
CREATE POLICY tenants_app_all ON public.tenants FOR ALL TO penguinmails_app
  USING (id = nullif(current_setting('nile.tenant_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('nile.tenant_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY tenant_users_app_all ON public.tenant_users FOR ALL TO penguinmails_app
  USING (tenant_id = nullif(current_setting('nile.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('nile.tenant_id', true), '')::uuid);
--> statement-breakpoint
-- users (shared): the acting user, and the users behind the tenant's memberships. The
-- sub-query is PostgreSQL's alone: on Citus a later migration replaces this policy, and the
-- data layer reaches users only through memberships there.
CREATE POLICY users_app_select ON public.users FOR SELECT TO penguinmails_app
  USING (id = nullif(current_setting('nile.user_id', true), '')::uuid
         OR EXISTS (SELECT 1 FROM public.tenant_users m
                    WHERE m.tenant_id = nullif(current_setting('nile.tenant_id', true), '')::uuid AND m.user_id = users.id));
--> statement-breakpoint
CREATE POLICY users_app_insert ON public.users FOR INSERT TO penguinmails_app
  WITH CHECK (id = nullif(current_setting('nile.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY users_app_update ON public.users FOR UPDATE TO penguinmails_app
  USING (id = nullif(current_setting('nile.user_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('nile.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY users_app_delete ON public.users FOR DELETE TO penguinmails_app
  USING (id = nullif(current_setting('nile.user_id', true), '')::uuid);
--> statement-breakpoint
-- User contexts run as a role of their own, so that no policy needs an OR between the two
-- kinds of context (an OR turned the member page's index range scan into a BitmapOr and a
-- sort). Members of penguinmails_app may switch to it; NOINHERIT keeps its policies off
-- penguinmails_app itself.
DO $$
BEGIN
  CREATE ROLE penguinmails_app_user NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT pg_has_role('penguinmails_app', 'penguinmails_app_user', 'MEMBER') THEN
    GRANT penguinmails_app_user TO penguinmails_app;
  END IF;
-- Another database of the cluster granted it at the same moment.
EXCEPTION WHEN unique_violation THEN NULL;
END $$;
--> statement-breakpoint
GRANT SELECT ON public.tenants TO penguinmails_app_user;
--> statement-breakpoint
GRANT SELECT ON public.tenant_users TO penguinmails_app_user;
--> statement-breakpoint
-- A user context may change nothing of its memberships but these (never their roles), and
-- erase them with the account.
GRANT UPDATE (email, updated, deleted), DELETE ON public.tenant_users TO penguinmails_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.users TO penguinmails_app_user;
--> statement-breakpoint
GRANT USAGE ON SCHEMA penguinmails_rls TO penguinmails_app_user;
--> statement-breakpoint
-- User contexts: the tenants of the user's live memberships (listed on entry), ...
CREATE POLICY tenants_app_user_select ON public.tenants FOR SELECT TO penguinmails_app_user
  USING (id = ANY (nullif(current_setting('penguinmails.user_tenants', true), '')::uuid[]));
--> statement-breakpoint
-- ... the user's own memberships, whose live ones it may soft-delete or give the user's new
-- email (soft-deleted ones stay readable: an UPDATE's new row must pass the SELECT policy), ...
CREATE POLICY tenant_users_app_user_select ON public.tenant_users FOR SELECT TO penguinmails_app_user
  USING (user_id = nullif(current_setting('nile.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY tenant_users_app_user_delete ON public.tenant_users FOR DELETE TO penguinmails_app_user
  USING (user_id = nullif(current_setting('nile.user_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY tenant_users_app_user_update ON public.tenant_users FOR UPDATE TO penguinmails_app_user
  USING (user_id = nullif(current_setting('nile.user_id', true), '')::uuid AND deleted IS NULL)
  WITH CHECK (user_id = nullif(current_setting('nile.user_id', true), '')::uuid);
--> statement-breakpoint
-- ... and the user's own row.
CREATE POLICY users_app_user_all ON public.users FOR ALL TO penguinmails_app_user
  USING (id = nullif(current_setting('nile.user_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('nile.user_id', true), '')::uuid);
--> statement-breakpoint
-- Entering a tenant context: the acting user must be a live member of a live tenant, else
-- P0002 and the transaction is aborted before the context's work runs. Runs as the caller,
-- under the equality policies above.
CREATE FUNCTION penguinmails_rls.enter_tenant() RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- Read into variables, so that the query compares with parameters: Citus routes that to
  -- the tenant's one shard, where an expression of current_setting() fans out to all.
  context_tenant pg_catalog.uuid := nullif(pg_catalog.current_setting('nile.tenant_id', true), '')::pg_catalog.uuid;
  context_user pg_catalog.uuid := nullif(pg_catalog.current_setting('nile.user_id', true), '')::pg_catalog.uuid;
BEGIN
  IF context_tenant IS NULL OR context_user IS NULL OR NOT EXISTS (
    SELECT 1
    FROM public.tenant_users m
    JOIN public.tenants t ON t.id = m.tenant_id
    WHERE m.tenant_id = context_tenant
      AND t.id = context_tenant
      AND m.user_id = context_user
      AND m.deleted IS NULL
      AND t.deleted IS NULL
  ) THEN
    RAISE EXCEPTION 'tenant not found' USING ERRCODE = 'P0002';
  END IF;
END;
$$;
--> statement-breakpoint
-- Entering a user context: the tenants of the user's live memberships, for the tenants
-- policy. SET LOCAL (not set_config) so that Citus passes it on to its workers.
CREATE FUNCTION penguinmails_rls.enter_user() RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  context_user pg_catalog.uuid := nullif(pg_catalog.current_setting('nile.user_id', true), '')::pg_catalog.uuid;
  member_of pg_catalog.text;
BEGIN
  SELECT pg_catalog.string_agg(m.tenant_id::pg_catalog.text, ',')
  INTO member_of
  FROM public.tenant_users m
  WHERE m.user_id = context_user AND m.deleted IS NULL;
  EXECUTE pg_catalog.format('SET LOCAL penguinmails.user_tenants = %L', '{' || coalesce(member_of, '') || '}');
END;
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION penguinmails_rls.enter_tenant(), penguinmails_rls.enter_user() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION penguinmails_rls.enter_tenant() TO penguinmails_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION penguinmails_rls.enter_user() TO penguinmails_app_user;

--> statement-breakpoint
CREATE OR REPLACE FUNCTION penguinmails_rls.roles_are_valid(roles pg_catalog.text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.cardinality(roles) > 0
     AND roles OPERATOR(pg_catalog.<@) ARRAY['owner', 'admin', 'member', 'viewer']::pg_catalog.text[]
     AND pg_catalog.cardinality(roles) = (SELECT pg_catalog.count(DISTINCT r) FROM pg_catalog.unnest(roles) AS r)
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION penguinmails_rls.copy_member_email() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  SELECT u.email INTO NEW.email FROM public.users u WHERE u.id OPERATOR(pg_catalog.=) NEW.user_id;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION penguinmails_rls.propagate_user_email() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE public.tenant_users SET email = NEW.email WHERE user_id OPERATOR(pg_catalog.=) NEW.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION penguinmails_rls.resolve_user(p_email pg_catalog.text) RETURNS pg_catalog.uuid
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  wanted pg_catalog.text := pg_catalog.btrim(p_email);
  found pg_catalog.uuid;
BEGIN
  SELECT u.id INTO found FROM public.users u
  WHERE pg_catalog.lower(u.email) OPERATOR(pg_catalog.=) pg_catalog.lower(wanted) AND u.deleted IS NULL;
  IF found IS NULL THEN
    INSERT INTO public.users (email) VALUES (wanted)
      ON CONFLICT (pg_catalog.lower(email)) WHERE deleted IS NULL DO NOTHING
      RETURNING id INTO found;
    -- Lost a race with a concurrent creator: theirs is the account.
    IF found IS NULL THEN
      SELECT u.id INTO found FROM public.users u
      WHERE pg_catalog.lower(u.email) OPERATOR(pg_catalog.=) pg_catalog.lower(wanted) AND u.deleted IS NULL;
    END IF;
  END IF;
  RETURN found;
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION penguinmails_rls.resolve_users(p_emails pg_catalog.text[], p_names pg_catalog.text[])
  RETURNS TABLE (email pg_catalog.text, id pg_catalog.uuid)
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO public.users (email, name)
  SELECT pg_catalog.btrim(e.email), e.name
  FROM unnest(p_emails, p_names) AS e(email, name)
  ON CONFLICT (pg_catalog.lower(email)) WHERE deleted IS NULL DO NOTHING;

  RETURN QUERY
  SELECT e.email, u.id
  FROM pg_catalog.unnest(p_emails) AS e(email)
  JOIN public.users u
    ON pg_catalog.lower(u.email) OPERATOR(pg_catalog.=) pg_catalog.lower(pg_catalog.btrim(e.email))
   AND u.deleted IS NULL;
END;
$$;
--> statement-breakpoint
-- Account deletion locks and checks each of the user's tenants in that tenant's scope.
DROP FUNCTION penguinmails_rls.solely_owned_tenants(uuid);
--> statement-breakpoint
-- Hand the definers to penguinmails_definer. A migrating user that is not superuser must be
-- a member of a role to give it objects: that membership lasts only for this transaction.
DO $$
DECLARE
  helper pg_catalog.text;
  lent boolean := NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
                  AND NOT pg_catalog.pg_has_role(current_user, 'penguinmails_definer', 'MEMBER');
BEGIN
  IF lent THEN
    EXECUTE pg_catalog.format('GRANT penguinmails_definer TO %I', current_user);
  END IF;
  FOREACH helper IN ARRAY ARRAY['copy_member_email()', 'propagate_user_email()', 'resolve_user(pg_catalog.text)',
                                'resolve_users(pg_catalog.text[], pg_catalog.text[])'] LOOP
    EXECUTE 'ALTER FUNCTION penguinmails_rls.' || helper || ' OWNER TO penguinmails_definer';
  END LOOP;
  IF lent THEN
    EXECUTE pg_catalog.format('REVOKE penguinmails_definer FROM %I', current_user);
  END IF;
END $$;
--> statement-breakpoint
-- The database refuses what the data layer's validation refuses (zod's email rule, and text
-- trimmed as JavaScript trims it), also for whatever reaches it through the helpers.
ALTER TABLE public.users
  ADD CONSTRAINT users_email_format
    CHECK (email ~ '^([A-Za-z0-9_''+-]+\.)*[A-Za-z0-9_''+-]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$'),
  ADD CONSTRAINT users_name_trimmed
    CHECK (name = btrim(name, E'\t\n\u000B\f\r \u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF')),
  ADD CONSTRAINT users_given_name_trimmed
    CHECK (given_name = btrim(given_name, E'\t\n\u000B\f\r \u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF')),
  ADD CONSTRAINT users_family_name_trimmed
    CHECK (family_name = btrim(family_name, E'\t\n\u000B\f\r \u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF'));
--> statement-breakpoint
ALTER TABLE public.tenants
  ADD CONSTRAINT tenants_name_trimmed
    CHECK (name = btrim(name, E'\t\n\u000B\f\r \u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF')
           AND name <> '');
