-- Postgres-only (NileDB has no CREATE FUNCTION / CREATE TRIGGER): keep `updated` true for
-- every writer, raw SQL included. A caller-supplied value is overwritten on purpose.
CREATE OR REPLACE FUNCTION penguinmails_touch_updated() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
AS $$
BEGIN
  NEW.updated := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER users_touch_updated BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION penguinmails_touch_updated();
--> statement-breakpoint
CREATE TRIGGER tenants_touch_updated BEFORE UPDATE ON tenants
  FOR EACH ROW EXECUTE FUNCTION penguinmails_touch_updated();
--> statement-breakpoint
CREATE TRIGGER tenant_users_touch_updated BEFORE UPDATE ON tenant_users
  FOR EACH ROW EXECUTE FUNCTION penguinmails_touch_updated();
