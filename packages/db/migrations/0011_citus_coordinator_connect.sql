-- On Citus the coordinator is a node too: it holds a copy of `users` (a reference table)
-- and, when local execution will not do, connects to itself as the current role. 0008 let
-- the runtime roles connect to this database on the workers only; the coordinator refused
-- them ("permission denied for database" while the system path read every table).
-- They have no password: only nodes that trust them, or are given one in
-- pg_dist_authinfo, connect as them (the README's production posture).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO penguinmails_app, penguinmails_app_user, penguinmails_system, penguinmails_definer',
                            pg_catalog.current_database());
END $$;
