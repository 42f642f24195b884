-- Postgres-only data rules (NileDB refuses functions and triggers and may refuse CHECK
-- constraints): the database refuses what the data layer's validation refuses, so a write
-- from any client, raw SQL included, cannot store bad data.
CREATE FUNCTION penguinmails_rls.roles_are_valid(roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog
AS $$
  SELECT cardinality(roles) > 0
     AND roles <@ ARRAY['owner', 'admin', 'member', 'viewer']::text[]
     AND cardinality(roles) = (SELECT count(DISTINCT r) FROM unnest(roles) AS r)
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION penguinmails_rls.roles_are_valid(text[]) TO penguinmails_app;
--> statement-breakpoint
ALTER TABLE users
  ADD CONSTRAINT users_email_length CHECK (char_length(email) BETWEEN 3 AND 254),
  ADD CONSTRAINT users_email_trimmed CHECK (email = btrim(email)),
  ADD CONSTRAINT users_name_length CHECK (char_length(name) <= 200),
  ADD CONSTRAINT users_given_name_length CHECK (char_length(given_name) <= 200),
  ADD CONSTRAINT users_family_name_length CHECK (char_length(family_name) <= 200),
  ADD CONSTRAINT users_picture_length CHECK (char_length(picture) <= 2048);
--> statement-breakpoint
ALTER TABLE tenants
  ADD CONSTRAINT tenants_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 200);
--> statement-breakpoint
ALTER TABLE tenant_users
  ADD CONSTRAINT tenant_users_roles_valid CHECK (penguinmails_rls.roles_are_valid(roles)),
  ADD CONSTRAINT tenant_users_email_length CHECK (char_length(email) <= 254);
--> statement-breakpoint
-- tenant_users.email follows the user's email. Both triggers run as penguinmails_system so
-- they reach every membership, whatever the writer's context can see.
CREATE FUNCTION penguinmails_rls.copy_member_email() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
BEGIN
  SELECT u.email INTO NEW.email FROM public.users u WHERE u.id = NEW.user_id;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
ALTER FUNCTION penguinmails_rls.copy_member_email() OWNER TO penguinmails_system;
--> statement-breakpoint
CREATE TRIGGER tenant_users_copy_email BEFORE INSERT OR UPDATE OF user_id, email ON tenant_users
  FOR EACH ROW EXECUTE FUNCTION penguinmails_rls.copy_member_email();
--> statement-breakpoint
CREATE FUNCTION penguinmails_rls.propagate_user_email() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
BEGIN
  UPDATE public.tenant_users SET email = NEW.email WHERE user_id = NEW.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
ALTER FUNCTION penguinmails_rls.propagate_user_email() OWNER TO penguinmails_system;
--> statement-breakpoint
CREATE TRIGGER users_propagate_email AFTER UPDATE OF email ON users
  FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION penguinmails_rls.propagate_user_email();
--> statement-breakpoint
-- Creating a tenant makes the acting user (nile.user_id) its owner in the same
-- transaction. The runtime role cannot INSERT into tenants directly: this is the way.
CREATE FUNCTION penguinmails_rls.create_tenant(p_id uuid, p_name text) RETURNS uuid
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
DECLARE
  acting uuid := nullif(current_setting('nile.user_id', true), '')::uuid;
  tenant uuid;
BEGIN
  IF acting IS NULL OR NOT EXISTS (SELECT 1 FROM public.users WHERE id = acting AND deleted IS NULL) THEN
    RAISE EXCEPTION 'creating a tenant needs a live acting user' USING ERRCODE = '42501';
  END IF;
  INSERT INTO public.tenants (id, name) VALUES (coalesce(p_id, gen_random_uuid()), p_name) RETURNING id INTO tenant;
  INSERT INTO public.tenant_users (tenant_id, user_id, roles) VALUES (tenant, acting, ARRAY['owner']);
  RETURN tenant;
END;
$$;
--> statement-breakpoint
ALTER FUNCTION penguinmails_rls.create_tenant(uuid, text) OWNER TO penguinmails_system;
--> statement-breakpoint
-- The live user with this email (trimmed, any case), created if there is none: for sign-in
-- and for adding a member by email. Identity is the app's to assert; row-level security
-- then decides what that identity sees.
CREATE FUNCTION penguinmails_rls.resolve_user(p_email text) RETURNS uuid
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
DECLARE
  found uuid;
BEGIN
  SELECT id INTO found FROM public.users WHERE lower(email) = lower(btrim(p_email)) AND deleted IS NULL;
  IF found IS NULL THEN
    INSERT INTO public.users (email) VALUES (btrim(p_email))
      ON CONFLICT (lower(email)) WHERE deleted IS NULL DO NOTHING
      RETURNING id INTO found;
    -- Lost a race with a concurrent creator: theirs is the account.
    IF found IS NULL THEN
      SELECT id INTO found FROM public.users WHERE lower(email) = lower(btrim(p_email)) AND deleted IS NULL;
    END IF;
  END IF;
  RETURN found;
END;
$$;
--> statement-breakpoint
ALTER FUNCTION penguinmails_rls.resolve_user(text) OWNER TO penguinmails_system;
--> statement-breakpoint
-- How many live tenants would lose their last live owner if this user went.
CREATE FUNCTION penguinmails_rls.solely_owned_tenants(p_user uuid) RETURNS integer
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog
AS $$
  SELECT count(*)::int
  FROM public.tenant_users mine
  JOIN public.tenants t ON t.id = mine.tenant_id AND t.deleted IS NULL
  WHERE mine.user_id = p_user AND mine.deleted IS NULL AND 'owner' = ANY (mine.roles)
    AND NOT EXISTS (
      SELECT 1 FROM public.tenant_users other
      WHERE other.tenant_id = mine.tenant_id AND other.user_id <> p_user
        AND other.deleted IS NULL AND 'owner' = ANY (other.roles))
$$;
--> statement-breakpoint
ALTER FUNCTION penguinmails_rls.solely_owned_tenants(uuid) OWNER TO penguinmails_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION penguinmails_rls.create_tenant(uuid, text), penguinmails_rls.resolve_user(text),
  penguinmails_rls.solely_owned_tenants(uuid), penguinmails_rls.copy_member_email(),
  penguinmails_rls.propagate_user_email() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION penguinmails_rls.create_tenant(uuid, text), penguinmails_rls.resolve_user(text),
  penguinmails_rls.solely_owned_tenants(uuid) TO penguinmails_app;
