import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../src/testing/vitest";

// The migrated catalog must be exactly the schema the ticket and issue #2 describe.
const db = useTestDatabase();

type Column = [type: string, nullable: "YES" | "NO", columnDefault: string | null];

const timestamps: Record<string, Column> = {
  created: ["timestamp with time zone", "NO", "now()"],
  updated: ["timestamp with time zone", "NO", "now()"],
  deleted: ["timestamp with time zone", "YES", null],
};

const expectedColumns: Record<string, Record<string, Column>> = {
  users: {
    id: ["uuid", "NO", "gen_random_uuid()"],
    email: ["text", "NO", null],
    name: ["text", "YES", null],
    family_name: ["text", "YES", null],
    given_name: ["text", "YES", null],
    picture: ["text", "YES", null],
    email_verified: ["timestamp with time zone", "YES", null],
    ...timestamps,
  },
  tenants: {
    id: ["uuid", "NO", "gen_random_uuid()"],
    name: ["text", "NO", null],
    compute_id: ["uuid", "YES", null],
    ...timestamps,
  },
  tenant_users: {
    tenant_id: ["uuid", "NO", null],
    user_id: ["uuid", "NO", null],
    roles: ["text[]", "NO", "'{}'::text[]"],
    email: ["text", "YES", null],
    ...timestamps,
  },
};

describe("catalog after migrating", () => {
  // On Citus the coordinator keeps a placement of the reference table users (users_<shard id>):
  // hidden from pg_class, but its constraints are in pg_constraint. Citus's copy, not the schema.
  const notOnAShard = () => (db.database.engine === "citus" ? db.client.sql`AND NOT pg_catalog.relation_is_a_known_shard(conrelid)` : db.client.sql``);

  it("has exactly the three tables: tenants in public, users and tenant_users in users (as on NileDB)", async () => {
    const rows = await db.client.sql<{ table_name: string; extension: string | null }[]>`
      SELECT t.table_schema || '.' || t.table_name AS table_name, e.extname AS extension
      FROM information_schema.tables t
      LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.deptype = 'e'
        AND d.objid = (quote_ident(t.table_schema) || '.' || quote_ident(t.table_name))::regclass
      LEFT JOIN pg_extension e ON e.oid = d.refobjid
      WHERE t.table_schema IN ('public', 'users') ORDER BY 1`;
    expect(rows.filter((r) => !r.extension).map((r) => r.table_name)).toEqual(["public.tenants", "users.tenant_users", "users.users"]);
    // Citus puts views of its own in public (citus_tables, ...): members of its extension.
    const owners = [...new Set(rows.flatMap((r) => (r.extension ? [r.extension] : [])))];
    expect(owners).toEqual(db.database.engine === "citus" ? ["citus"] : []);
  });

  it.each(Object.keys(expectedColumns))("%s: every column's name, type, nullability and default", async (table) => {
    const rows = await db.client.sql<{ column_name: string; type: string; is_nullable: "YES" | "NO"; column_default: string | null }[]>`
      SELECT c.column_name, format_type(a.atttypid, a.atttypmod) AS type, c.is_nullable, c.column_default
      FROM information_schema.columns c
      JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
        AND a.attname = c.column_name
      WHERE c.table_schema = ${table === "tenants" ? "public" : "users"} AND c.table_name = ${table}`;
    const actual = Object.fromEntries(rows.map((r) => [r.column_name, [r.type, r.is_nullable, r.column_default]]));
    expect(actual).toEqual(expectedColumns[table]);
  });

  it("keys: primary keys and both cascading foreign keys", async () => {
    const rows = await db.client.sql<{ table: string; type: string; definition: string }[]>`
      SELECT conrelid::regclass::text AS table, contype::text AS type, pg_get_constraintdef(oid) AS definition
      FROM pg_constraint
      WHERE connamespace IN ('public'::regnamespace, 'users'::regnamespace) AND contype IN ('p', 'f', 'u') ${notOnAShard()}
      ORDER BY 1, 3`;
    expect(rows).toEqual([
      { table: "tenant_users", type: "f", definition: "FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE" },
      { table: "tenant_users", type: "f", definition: "FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE" },
      { table: "tenant_users", type: "p", definition: "PRIMARY KEY (tenant_id, user_id)" },
      { table: "tenants", type: "p", definition: "PRIMARY KEY (id)" },
      { table: "users", type: "p", definition: "PRIMARY KEY (id)" },
    ]);
  });

  it("indexes: primary keys, the live case-insensitive email key, tenant_users by user, deleted rows", async () => {
    const rows = await db.client.sql<{ indexname: string; indexdef: string }[]>`
      SELECT indexname, indexdef FROM pg_indexes WHERE schemaname IN ('public', 'users') ORDER BY indexname`;
    expect(rows).toEqual([
      {
        indexname: "tenant_users_deleted_idx",
        indexdef: "CREATE INDEX tenant_users_deleted_idx ON users.tenant_users USING btree (deleted) WHERE (deleted IS NOT NULL)",
      },
      {
        indexname: "tenant_users_tenant_id_user_id_pk",
        indexdef: "CREATE UNIQUE INDEX tenant_users_tenant_id_user_id_pk ON users.tenant_users USING btree (tenant_id, user_id)",
      },
      {
        indexname: "tenant_users_user_id_idx",
        indexdef: "CREATE INDEX tenant_users_user_id_idx ON users.tenant_users USING btree (user_id, tenant_id, deleted, roles)",
      },
      { indexname: "tenants_deleted_idx", indexdef: "CREATE INDEX tenants_deleted_idx ON public.tenants USING btree (deleted) WHERE (deleted IS NOT NULL)" },
      { indexname: "tenants_pkey", indexdef: "CREATE UNIQUE INDEX tenants_pkey ON public.tenants USING btree (id)" },
      { indexname: "users_deleted_idx", indexdef: "CREATE INDEX users_deleted_idx ON users.users USING btree (deleted) WHERE (deleted IS NOT NULL)" },
      {
        indexname: "users_email_live_key",
        indexdef: "CREATE UNIQUE INDEX users_email_live_key ON users.users USING btree (lower(email)) WHERE (deleted IS NULL)",
      },
      { indexname: "users_pkey", indexdef: "CREATE UNIQUE INDEX users_pkey ON users.users USING btree (id)" },
    ]);
  });

  it("triggers: each table moves `updated`; memberships copy their user's email", async () => {
    // Not those on an extension's own tables (Citus's pg_dist_* catalogs have some).
    const rows = await db.client.sql<{ table: string; name: string; definition: string }[]>`
      SELECT tgrelid::regclass::text AS table, tgname AS name, pg_get_triggerdef(oid) AS definition
      FROM pg_trigger t WHERE NOT tgisinternal
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = t.tgrelid AND d.deptype = 'e')
      ORDER BY 1, 2`;
    // Citus refuses triggers on distributed tables: migration 0008 drops all five, and the
    // data layer sets `updated` and copies the email itself (schema-behaviour.test.ts).
    const expected =
      db.database.engine === "citus"
        ? []
        : [
            ["tenant_users", "tenant_users_copy_email"],
            ["tenant_users", "tenant_users_touch_updated"],
            ["tenants", "tenants_touch_updated"],
            ["users", "users_propagate_email"],
            ["users", "users_touch_updated"],
          ];
    expect(rows.map((r) => [r.table, r.name])).toEqual(expected);
    for (const row of rows.filter((r) => r.name.endsWith("_touch_updated"))) {
      expect(row.definition).toMatch(/BEFORE UPDATE ON (public|users)\.\w+ FOR EACH ROW EXECUTE FUNCTION penguinmails_touch_updated\(\)/);
    }
  });

  it("check constraints mirror the data layer's validation", async () => {
    const rows = await db.client.sql<{ name: string }[]>`
      SELECT conname AS name FROM pg_constraint
      WHERE connamespace IN ('public'::regnamespace, 'users'::regnamespace) AND contype = 'c' ${notOnAShard()} ORDER BY 1`;
    expect(rows.map((r) => r.name)).toEqual([
      "tenant_users_email_length",
      "tenant_users_roles_valid",
      "tenants_name_length",
      "tenants_name_trimmed",
      "users_email_format",
      "users_email_length",
      "users_email_trimmed",
      "users_family_name_length",
      "users_family_name_trimmed",
      "users_given_name_length",
      "users_given_name_trimmed",
      "users_name_length",
      "users_name_trimmed",
      "users_picture_length",
    ]);
  });
});

describe("distribution", () => {
  // The one journal distributes the tables where the citus extension is installed, and does
  // nothing of it elsewhere (there is no Citus catalog to read: no extension at all).
  it("on Citus: tenants by id, tenant_users by tenant_id on the same shards, users on every node; elsewhere nothing", async () => {
    const [citus] = await db.client.sql`SELECT 1 FROM pg_extension WHERE extname = 'citus'`;
    if (db.database.engine !== "citus") {
      expect(citus).toBeUndefined();
      return;
    }
    const rows = await db.client.sql<{ table: string; method: string; column: string | null; colocated: boolean }[]>`
      SELECT logicalrelid::regclass::text AS table, partmethod AS method,
             CASE WHEN partmethod = 'h' THEN column_to_column_name(logicalrelid, partkey) END AS column,
             colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'tenants'::regclass) AS colocated
      FROM pg_dist_partition ORDER BY 1`;
    expect(rows).toEqual([
      { table: "tenant_users", method: "h", column: "tenant_id", colocated: true },
      { table: "tenants", method: "h", column: "id", colocated: true },
      { table: "users", method: "n", column: null, colocated: false },
    ]);
  });
});
