-- A NileDB-shaped database on PostgreSQL 15 or the embedded engine, for tests only: never part
-- of a migration journal. Installed by a superuser into a fresh database; the app then works as
-- nile_developer, as NileDB's single developer login. Source of each rule (spec
-- /work/shared/spec/niledb-target.md §1, §2, §7d): [doc] NileDB docs page; [3p] third-party
-- measurement of Nile's testing container or cloud; [unknown-weaker] for an unknown protection
-- (emulated weak, so code cannot rely on it); [unknown-stricter] for an unknown restriction
-- (emulated strict, so code that passes here works on Nile either way).
-- Not emulated (left to the statement-transcript guard and the nile-lint, spec §7b/§7d):
-- set_config('nile.…') refused and SET ROLE ignored [3p]; DDL Nile refuses (CREATE FUNCTION,
-- TRIGGER, POLICY, …) [doc]; SAVEPOINT after an error, EXPLAIN [3p]; a context change after a
-- statement that reads no row of these tables; a session TimeZone per client on the embedded engine.

-- The developer login: no superuser, no BYPASSRLS, owns the built-in tables, runs migrations
-- ("CREATE ROLE/USER ... console only", postgres-compatibility [doc]). Cluster-wide, so created
-- at most once by parallel installers.
DO $$ BEGIN
  CREATE ROLE nile_developer LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$ BEGIN
  EXECUTE format('GRANT CREATE ON DATABASE %I TO nile_developer', current_database()); -- CREATE SCHEMA drizzle
  -- Not UTC, so a client that forgets to pin its session to UTC reads wrong timestamps (spec §6.1).
  -- Takes effect on new sessions: PostgreSQL only (the embedded engine has one session).
  EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'America/New_York');
END $$;
CREATE SCHEMA nile_emulation;
GRANT USAGE ON SCHEMA nile_emulation TO nile_developer;
GRANT CREATE ON SCHEMA public TO nile_developer;

-- Built-in tables verbatim: users.* from auth/concepts/builtintables.mdx [doc]; public.tenants
-- from drizzle-kit pulls in Nile's drizzle example [doc/example], compute_id uuid [3p].
DO $$ BEGIN
  IF to_regprocedure('pg_catalog.uuidv7()') IS NOT NULL THEN -- PostgreSQL 18 (embedded engine)
    CREATE FUNCTION public.uuid_generate_v7() RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT uuidv7()';
  ELSE
    CREATE FUNCTION public.uuid_generate_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $f$
      SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
        substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
    $f$;
  END IF;
END $$;
CREATE TABLE public.tenants (
  id uuid NOT NULL DEFAULT public.uuid_generate_v7(), name text,
  created timestamp NOT NULL DEFAULT LOCALTIMESTAMP, updated timestamp NOT NULL DEFAULT LOCALTIMESTAMP,
  deleted timestamp, compute_id uuid, CONSTRAINT tenants_pkey PRIMARY KEY (id));
CREATE SCHEMA users;
CREATE TABLE users.users (
  id uuid NOT NULL DEFAULT public.uuid_generate_v7(),
  created timestamp NOT NULL DEFAULT LOCALTIMESTAMP, updated timestamp NOT NULL DEFAULT LOCALTIMESTAMP,
  deleted timestamp, name text, family_name text, given_name text, email text, picture text,
  email_verified timestamp, CONSTRAINT users_pkey PRIMARY KEY (id));
CREATE UNIQUE INDEX users_email_key ON users.users (email) WHERE deleted IS NULL;
CREATE TABLE users.tenant_users ( -- no FK to users.users [doc]
  tenant_id uuid NOT NULL, user_id uuid NOT NULL,
  created timestamp NOT NULL DEFAULT LOCALTIMESTAMP, updated timestamp NOT NULL DEFAULT LOCALTIMESTAMP,
  deleted timestamp, roles text[], email text,
  CONSTRAINT tenant_users_pkey PRIMARY KEY (tenant_id, user_id),
  CONSTRAINT tenant_users_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id));
ALTER SCHEMA users OWNER TO nile_developer;
ALTER TABLE public.tenants OWNER TO nile_developer;
ALTER TABLE users.users OWNER TO nile_developer;
ALTER TABLE users.tenant_users OWNER TO nile_developer;

-- The context, checked per statement on every built-in table (policies and triggers call it):
-- - no or empty nile.tenant_id: every tenant ("When no tenant context is set, the connection can
--   access across all the tenant DBs", tenant-isolation [doc]);
-- - nile.user_id without nile.tenant_id refused [3p; SDK warns the same];
-- - unknown tenant refused ("tenant ... not found" [3p]); soft-deleted tenants pass [unknown-weaker];
-- - user not a member refused ("will raise an error if user_id doesn't exist or doesn't have access
--   to the tenant DB", llama_index [doc]; text [3p]); tenant_users.deleted ignored [unknown-weaker];
-- - nile.tenant_id changed after the transaction's first query refused [3p text]. Seen only by
--   statements that touch these tables: a change after e.g. `SELECT 1` is the transcript guard's.
CREATE FUNCTION nile_emulation.context_tenant() RETURNS uuid
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  t uuid := nullif(current_setting('nile.tenant_id', true), '')::uuid;
  u uuid := nullif(current_setting('nile.user_id', true), '')::uuid;
  first text := nullif(current_setting('nile_emulation.first_tenant', true), '');
BEGIN
  IF first IS NULL THEN
    PERFORM set_config('nile_emulation.first_tenant', coalesce(t::text, 'none'), true);
  ELSIF first <> coalesce(t::text, 'none') THEN
    RAISE EXCEPTION 'changing nile.tenant_id within a transaction is only allowed before any queries are performed'
      USING ERRCODE = '25001';
  END IF;
  IF u IS NOT NULL AND t IS NULL THEN
    RAISE EXCEPTION 'you must set a tenant context before setting the user context' USING ERRCODE = '42501';
  END IF;
  IF t IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.tenants WHERE id = t) THEN
    RAISE EXCEPTION 'tenant % not found', t USING ERRCODE = '42704';
  END IF;
  IF u IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users.tenant_users m WHERE m.tenant_id = t AND m.user_id = u) THEN
    RAISE EXCEPTION 'user is not authorized to access this tenant' USING ERRCODE = '42501';
  END IF;
  RETURN t;
END $$;
-- The checks as a boolean, for policies that filter nothing: `X IS NULL OR true` would be folded away.
CREATE FUNCTION nile_emulation.context_ok() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN PERFORM nile_emulation.context_tenant(); RETURN true; END $$;

-- Policies run the checks only when a statement scans or writes a row (PostgreSQL never turns a
-- policy's qual into a one-time filter); these run them for every write, even of no rows.
CREATE FUNCTION nile_emulation.check_context() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM nile_emulation.context_tenant(); RETURN NULL; END $$;
CREATE TRIGGER nile_context BEFORE INSERT OR UPDATE OR DELETE ON users.tenant_users FOR EACH STATEMENT EXECUTE FUNCTION nile_emulation.check_context();
CREATE TRIGGER nile_context BEFORE INSERT OR UPDATE OR DELETE ON users.users FOR EACH STATEMENT EXECUTE FUNCTION nile_emulation.check_context();
CREATE TRIGGER nile_context BEFORE INSERT OR UPDATE OR DELETE ON public.tenants FOR EACH STATEMENT EXECUTE FUNCTION nile_emulation.check_context();

-- Tenant isolation on the tenant-aware table: a context sees only its tenant's rows, and writes
-- with another tenant_id are refused ("the tenant id must match the tenant id in the table",
-- sdk-reference/javascript/server/db [doc]).
ALTER TABLE users.tenant_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users.tenant_users FORCE ROW LEVEL SECURITY;
CREATE POLICY nile_tenant ON users.tenant_users
  USING ((SELECT nile_emulation.context_ok()) AND ((SELECT nile_emulation.context_tenant()) IS NULL OR tenant_id = (SELECT nile_emulation.context_tenant())))
  WITH CHECK ((SELECT nile_emulation.context_ok()) AND ((SELECT nile_emulation.context_tenant()) IS NULL OR tenant_id = (SELECT nile_emulation.context_tenant())));
-- Shared table: every row visible and writable in every context ("You can still access shared
-- tables in this mode", tenant-isolation [doc]); the policy only runs the context checks.
ALTER TABLE users.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users.users FORCE ROW LEVEL SECURITY;
CREATE POLICY nile_shared ON users.users USING ((SELECT nile_emulation.context_ok())) WITH CHECK ((SELECT nile_emulation.context_ok()));
-- tenants: every row readable in a context [unknown-weaker]; writes under a context only to the
-- context's own tenant [unknown-stricter, as "must match" above].
ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY nile_tenant_read ON public.tenants FOR SELECT USING ((SELECT nile_emulation.context_ok()));
CREATE POLICY nile_tenant_ins ON public.tenants FOR INSERT
  WITH CHECK ((SELECT nile_emulation.context_ok()) AND ((SELECT nile_emulation.context_tenant()) IS NULL OR id = (SELECT nile_emulation.context_tenant())));
CREATE POLICY nile_tenant_upd ON public.tenants FOR UPDATE
  USING ((SELECT nile_emulation.context_ok()) AND ((SELECT nile_emulation.context_tenant()) IS NULL OR id = (SELECT nile_emulation.context_tenant())))
  WITH CHECK ((SELECT nile_emulation.context_tenant()) IS NULL OR id = (SELECT nile_emulation.context_tenant()));
CREATE POLICY nile_tenant_del ON public.tenants FOR DELETE
  USING ((SELECT nile_emulation.context_ok()) AND ((SELECT nile_emulation.context_tenant()) IS NULL OR id = (SELECT nile_emulation.context_tenant())));

-- Transaction shape, from a transaction-local marker: a transaction writes one tenant's rows, or
-- shared tables, never both nor two tenants (postgres-compatibility limitations [doc]).
-- `tenants` rows count as shared [unknown-stricter], so a tenant and its first membership cannot
-- be written in one transaction [unknown-stricter; Nile's own code writes them separately].
CREATE FUNCTION nile_emulation.write_scope() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
  scope text := 'shared';
  seen text := nullif(current_setting('nile_emulation.write_scope', true), '');
BEGIN
  IF TG_TABLE_NAME = 'tenant_users' AND TG_OP = 'DELETE' THEN scope := OLD.tenant_id::text;
  ELSIF TG_TABLE_NAME = 'tenant_users' THEN scope := NEW.tenant_id::text;
  END IF;
  IF seen IS NULL THEN
    PERFORM set_config('nile_emulation.write_scope', scope, true);
  ELSIF seen <> scope THEN
    RAISE EXCEPTION 'emulated Nile: one transaction may write one tenant, or shared tables, not both (%, %)', seen, scope
      USING ERRCODE = '0A000';
  END IF;
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'tenant_users' THEN
    IF OLD.tenant_id <> NEW.tenant_id THEN
      RAISE EXCEPTION 'cannot set tenant_id more than once' USING ERRCODE = '0A000';
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER nile_write_scope AFTER INSERT OR UPDATE OR DELETE ON users.tenant_users FOR EACH ROW EXECUTE FUNCTION nile_emulation.write_scope();
CREATE TRIGGER nile_write_scope AFTER INSERT OR UPDATE OR DELETE ON users.users FOR EACH ROW EXECUTE FUNCTION nile_emulation.write_scope();
CREATE TRIGGER nile_write_scope AFTER INSERT OR UPDATE OR DELETE ON public.tenants FOR EACH ROW EXECUTE FUNCTION nile_emulation.write_scope();
-- One statement names one tenant: "cannot set tenant_id more than once", also for a multi-row
-- INSERT INTO tenants [3p]; for UPDATE and DELETE of tenants [unknown-stricter]. (On
-- tenant_users the transaction rule above already refuses it.)
CREATE FUNCTION nile_emulation.one_tenant_per_statement() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  IF (SELECT count(*) FROM affected) > 1 THEN
    RAISE EXCEPTION 'cannot set tenant_id more than once' USING ERRCODE = '0A000';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER nile_one_tenant_ins AFTER INSERT ON public.tenants REFERENCING NEW TABLE AS affected FOR EACH STATEMENT EXECUTE FUNCTION nile_emulation.one_tenant_per_statement();
CREATE TRIGGER nile_one_tenant_upd AFTER UPDATE ON public.tenants REFERENCING NEW TABLE AS affected FOR EACH STATEMENT EXECUTE FUNCTION nile_emulation.one_tenant_per_statement();
CREATE TRIGGER nile_one_tenant_del AFTER DELETE ON public.tenants REFERENCING OLD TABLE AS affected FOR EACH STATEMENT EXECUTE FUNCTION nile_emulation.one_tenant_per_statement();
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA nile_emulation TO nile_developer;
