-- The entry functions, called on every context's entry (the read path included), stop pinning
-- search_path. A function's SET clause makes PostgreSQL save, set and restore settings around
-- each call: ~25 µs of a member-page request here (pnpm bench, scenario 2; docs/benchmarks.md).
-- Neither is SECURITY DEFINER: each runs with its caller's own rights, so whatever path the
-- caller set can hurt only the caller. They still name every type, operator, function and
-- relation by its schema, so no object of another schema (pg_temp included) is ever theirs;
-- isolation-hijack.test.ts runs them beside shadowing temporary types and operators.
-- NULLIF, COALESCE, IS NULL and EXISTS are syntax, not names looked up on the path (NULLIF
-- does look up `=`, hence the CASE below). The SECURITY DEFINER helpers keep their pinned path.
CREATE OR REPLACE FUNCTION penguinmails_rls.enter_tenant() RETURNS void
  LANGUAGE plpgsql
AS $$
DECLARE
  tenant_setting pg_catalog.text := pg_catalog.current_setting('nile.tenant_id', true);
  user_setting pg_catalog.text := pg_catalog.current_setting('nile.user_id', true);
  -- Read into variables, so that the query compares with parameters: Citus routes that to
  -- the tenant's one shard, where an expression of current_setting() fans out to all.
  context_tenant pg_catalog.uuid := CASE WHEN tenant_setting OPERATOR(pg_catalog.=) '' THEN NULL ELSE tenant_setting::pg_catalog.uuid END;
  context_user pg_catalog.uuid := CASE WHEN user_setting OPERATOR(pg_catalog.=) '' THEN NULL ELSE user_setting::pg_catalog.uuid END;
BEGIN
  IF context_tenant IS NULL OR context_user IS NULL OR NOT EXISTS (
    SELECT 1
    FROM users.tenant_users m
    JOIN public.tenants t ON t.id OPERATOR(pg_catalog.=) m.tenant_id
    WHERE m.tenant_id OPERATOR(pg_catalog.=) context_tenant
      AND t.id OPERATOR(pg_catalog.=) context_tenant
      AND m.user_id OPERATOR(pg_catalog.=) context_user
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
CREATE OR REPLACE FUNCTION penguinmails_rls.enter_user() RETURNS void
  LANGUAGE plpgsql
AS $$
DECLARE
  user_setting pg_catalog.text := pg_catalog.current_setting('nile.user_id', true);
  context_user pg_catalog.uuid := CASE WHEN user_setting OPERATOR(pg_catalog.=) '' THEN NULL ELSE user_setting::pg_catalog.uuid END;
  member_of pg_catalog.text;
BEGIN
  SELECT pg_catalog.string_agg(m.tenant_id::pg_catalog.text, ',')
  INTO member_of
  FROM users.tenant_users m
  WHERE m.user_id OPERATOR(pg_catalog.=) context_user AND m.deleted IS NULL;
  EXECUTE pg_catalog.format('SET LOCAL penguinmails.user_tenants = %L',
    pg_catalog.concat('{', member_of, '}'));
END;
$$;
