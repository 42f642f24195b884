-- visible_tenant_ids() runs in every policy, once per statement and policy. As a SQL
-- function with SET search_path it cannot be inlined, so PostgreSQL planned its body on
-- every call (about 90 us each, three calls for a member page: 427 us against 187 us
-- without RLS). PL/pgSQL keeps its plans for the session: the same page then costs 159 us.
-- Same contract, same owner (penguinmails_system) and grants.
CREATE OR REPLACE FUNCTION penguinmails_rls.visible_tenant_ids() RETURNS uuid[]
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
DECLARE
  context_tenant uuid := nullif(current_setting('nile.tenant_id', true), '')::uuid;
  context_user uuid := nullif(current_setting('nile.user_id', true), '')::uuid;
BEGIN
  IF context_user IS NULL THEN
    RETURN '{}';
  END IF;
  IF context_tenant IS NOT NULL THEN
    RETURN ARRAY(
      SELECT m.tenant_id FROM public.tenant_users m
      WHERE m.tenant_id = context_tenant AND m.user_id = context_user AND m.deleted IS NULL);
  END IF;
  RETURN ARRAY(SELECT m.tenant_id FROM public.tenant_users m WHERE m.user_id = context_user AND m.deleted IS NULL);
END;
$$;
