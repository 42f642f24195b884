-- Set-based find-or-create of many users by email, for bulk member imports: one INSERT
-- and one SELECT however many rows, instead of a function call per row. Same contract as
-- resolve_user: live users are matched by lower(trimmed email) and never changed.
CREATE FUNCTION penguinmails_rls.resolve_users(p_emails text[], p_names text[])
  RETURNS TABLE (email text, id uuid)
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO public.users (email, name)
  SELECT btrim(e.email), e.name
  FROM unnest(p_emails, p_names) AS e(email, name)
  ON CONFLICT (lower(email)) WHERE deleted IS NULL DO NOTHING;

  RETURN QUERY
  SELECT e.email, u.id
  FROM unnest(p_emails) AS e(email)
  JOIN public.users u ON lower(u.email) = lower(btrim(e.email)) AND u.deleted IS NULL;
END;
$$;
--> statement-breakpoint
ALTER FUNCTION penguinmails_rls.resolve_users(text[], text[]) OWNER TO penguinmails_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION penguinmails_rls.resolve_users(text[], text[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION penguinmails_rls.resolve_users(text[], text[]) TO penguinmails_app;
