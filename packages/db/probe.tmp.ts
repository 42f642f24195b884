import postgres from "postgres";
import { openTestClient } from "./src/testing/index.ts";
const t = await openTestClient({});
const c = t.client;
const u = "22222222-2222-4222-8222-222222222222", tt = "11111111-1111-4111-8111-111111111111";
await c.sql`INSERT INTO users (id, email) VALUES (${u}, 'a@example.test')`;
await c.sql`INSERT INTO tenants (id, name) VALUES (${tt}, 'T')`;
await c.sql`INSERT INTO tenant_users (tenant_id, user_id, roles) VALUES (${tt}, ${u}, '{owner}')`;
await c.sql.unsafe(`CREATE FUNCTION penguinmails_rls.enter2() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  context_tenant pg_catalog.uuid := nullif(pg_catalog.current_setting('nile.tenant_id', true), '')::pg_catalog.uuid;
  context_user pg_catalog.uuid := nullif(pg_catalog.current_setting('nile.user_id', true), '')::pg_catalog.uuid;
BEGIN
  IF context_tenant IS NULL OR context_user IS NULL OR NOT EXISTS (
    SELECT 1 FROM public.tenant_users m JOIN public.tenants t ON t.id = m.tenant_id
    WHERE m.tenant_id = context_tenant AND t.id = context_tenant AND m.user_id = context_user AND m.deleted IS NULL AND t.deleted IS NULL
  ) THEN RAISE EXCEPTION 'tenant not found' USING ERRCODE = 'P0002'; END IF;
END $f$`);
await c.sql.unsafe("GRANT EXECUTE ON FUNCTION penguinmails_rls.enter2() TO penguinmails_app");
const sql = postgres(t.database.url, { max: 1, onnotice: () => {} });
const r = await sql.reserve();
const variants: Record<string, string[]> = {
  single: [`BEGIN READ ONLY; SET LOCAL nile.tenant_id = '${tt}'; SET LOCAL nile.user_id = '${u}'; SET LOCAL ROLE penguinmails_app; SELECT penguinmails_rls.enter_tenant()`],
  five: ["BEGIN READ ONLY", `SET LOCAL nile.tenant_id = '${tt}'`, `SET LOCAL nile.user_id = '${u}'`, "SELECT pg_catalog.set_config('role', 'penguinmails_app', true)", "SELECT penguinmails_rls.enter_tenant()"],
  three: ["BEGIN READ ONLY", `SET LOCAL nile.tenant_id = '${tt}'; SET LOCAL nile.user_id = '${u}'`, "SELECT pg_catalog.set_config('role', 'penguinmails_app', true), penguinmails_rls.enter_tenant()"],
  none: ["BEGIN READ ONLY"],
  prepared: ["BEGIN READ ONLY", "PREP"],
  preparedNoPin: ["BEGIN READ ONLY", "PREP2"],
  setsPlusExists: ["BEGIN READ ONLY", `SET LOCAL nile.tenant_id = '${tt}'; SET LOCAL nile.user_id = '${u}'; SET LOCAL ROLE penguinmails_app`, "EXISTS"],
  setsOnly: ["BEGIN READ ONLY", `SET LOCAL nile.tenant_id = '${tt}'; SET LOCAL nile.user_id = '${u}'; SET LOCAL ROLE penguinmails_app`],
};
async function once(open: string[]) {
  const qs = open.map((q) => q === "EXISTS" ? r.unsafe("SELECT EXISTS (SELECT 1 FROM public.tenant_users m JOIN public.tenants t ON t.id = m.tenant_id WHERE m.tenant_id = $1 AND t.id = $1 AND m.user_id = $2 AND m.deleted IS NULL AND t.deleted IS NULL)", [tt, u], { prepare: true }).execute() : q === "PREP2" ? r.unsafe("SELECT pg_catalog.set_config('nile.tenant_id', $1, true), pg_catalog.set_config('nile.user_id', $2, true), pg_catalog.set_config('role', 'penguinmails_app', true), penguinmails_rls.enter2()", [tt, u], { prepare: true }).execute() : q === "PREP" ? r.unsafe("SELECT pg_catalog.set_config('nile.tenant_id', $1, true), pg_catalog.set_config('nile.user_id', $2, true), pg_catalog.set_config('role', 'penguinmails_app', true), penguinmails_rls.enter_tenant()", [tt, u], { prepare: true }).execute() : r.unsafe(q).execute());
  const st = r.unsafe("SELECT user_id, roles FROM tenant_users WHERE tenant_id = $1 LIMIT 51", [tt], { prepare: true }).execute();
  const cm = r.unsafe("COMMIT").execute();
  await Promise.all([...qs, st, cm]);
}
const times: Record<string, number[]> = {};
for (const k of Object.keys(variants)) times[k] = [];
for (let round = 0; round < 8; round++) for (const [k, v] of Object.entries(variants)) {
  for (let i = 0; i < 50; i++) await once(v);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 500; i++) await once(v);
  times[k].push(Number(process.hrtime.bigint() - t0) / 500 / 1000);
}
for (const [k, v] of Object.entries(times)) console.log(k, v.sort((a, b) => a - b).map((x) => x.toFixed(0)).join(" "));
r.release(); await sql.end(); await t.close();
