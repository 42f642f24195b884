-- Finding or creating users by email inside a tenant context (adding and importing members).
--
-- On Citus a SECURITY DEFINER helper writes `users` over connections of its owner's, and the
-- rest of the transaction, on connections of penguinmails_app, does not see those rows: the
-- membership's foreign key check on a worker failed ("Key is not present in table users").
-- So there the resolvers run with the caller's rights, and a tenant context may create
-- users (it already reads them all there, migration 0008). Elsewhere they stay definers: a
-- tenant context cannot see users outside its tenant, and must still find them by email.
--
-- Development sign-in has no context at all; it gets an entry point of its own that stays a
-- definer on every engine (alone in its transaction, so nothing reads behind it).
--
-- resolve_users no longer inserts from a SELECT: Citus turns INSERT ... SELECT into COPY,
-- which it refuses under row-level security. It sends one multi-row VALUES instead.
-- A migrating user that is not superuser must be a member of the helpers' owner to replace
-- them and give it new ones: that membership lasts only for this transaction (as in 0007).
DO $do$
DECLARE
  lent boolean := NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
                  AND NOT pg_catalog.pg_has_role(current_user, 'penguinmails_definer', 'MEMBER');
BEGIN
  IF lent THEN
    EXECUTE pg_catalog.format('GRANT penguinmails_definer TO %I', current_user);
  END IF;
  CREATE OR REPLACE FUNCTION penguinmails_rls.resolve_users(p_emails pg_catalog.text[], p_names pg_catalog.text[])
    RETURNS TABLE (email pg_catalog.text, id pg_catalog.uuid)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
  AS $fn$
  #variable_conflict use_column
  DECLARE
    rows_sql pg_catalog.text;
  BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('(%L, %L)', pg_catalog.btrim(e.email), e.name), ', ')
    INTO rows_sql
    FROM unnest(p_emails, p_names) AS e(email, name);  -- ROWS FROM sugar: cannot be qualified
    IF rows_sql IS NOT NULL THEN
      EXECUTE 'INSERT INTO public.users (email, name) VALUES ' || rows_sql
           || ' ON CONFLICT (pg_catalog.lower(email)) WHERE deleted IS NULL DO NOTHING';
    END IF;

    RETURN QUERY
    SELECT e.email, u.id
    FROM pg_catalog.unnest(p_emails) AS e(email)
    JOIN public.users u
      ON pg_catalog.lower(u.email) OPERATOR(pg_catalog.=) pg_catalog.lower(pg_catalog.btrim(e.email))
     AND u.deleted IS NULL;
  END;
  $fn$;

  CREATE FUNCTION penguinmails_rls.sign_in(p_email pg_catalog.text) RETURNS pg_catalog.uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
  AS $fn$
    SELECT penguinmails_rls.resolve_user(p_email)
  $fn$;
  ALTER FUNCTION penguinmails_rls.sign_in(pg_catalog.text) OWNER TO penguinmails_definer;
  -- sign_in() calls resolve_user() by its schema.
  GRANT USAGE ON SCHEMA penguinmails_rls TO penguinmails_definer;
  REVOKE ALL ON FUNCTION penguinmails_rls.sign_in(pg_catalog.text) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION penguinmails_rls.sign_in(pg_catalog.text) TO penguinmails_app;
  IF lent THEN
    EXECUTE pg_catalog.format('REVOKE penguinmails_definer FROM %I', current_user);
  END IF;
END $do$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  ALTER FUNCTION penguinmails_rls.resolve_user(pg_catalog.text) SECURITY INVOKER;
  ALTER FUNCTION penguinmails_rls.resolve_users(pg_catalog.text[], pg_catalog.text[]) SECURITY INVOKER;
  CREATE POLICY users_app_insert_invited ON public.users FOR INSERT TO penguinmails_app
    -- Not "nullif(...) IS NOT NULL": Citus 13.2 fails to send that expression to its workers
    -- ("unrecognized node type: 121").
    -- Only as resolve_user(s) would create them: an address and a name, not verified, live.
    WITH CHECK (coalesce(current_setting('nile.tenant_id', true), '') <> ''
                AND email_verified IS NULL AND deleted IS NULL AND picture IS NULL);
END $$;
