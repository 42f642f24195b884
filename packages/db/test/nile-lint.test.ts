import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { lintNileMigrations, lintNileSql } from "../src/nile-lint";

// Pure: no database. Each refused statement names the rule and its evidence.

const refused: [rule: string, sql: string, evidence: string][] = [
  ["CREATE FUNCTION", `CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$`, "User defined functions"],
  ["CREATE FUNCTION", `CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$`, "User defined functions"],
  ["CREATE TRIGGER", `CREATE TRIGGER t BEFORE UPDATE ON "tenants" FOR EACH ROW EXECUTE FUNCTION f()`, "Triggers are not supported"],
  ["CREATE POLICY", `CREATE POLICY "p" ON "emails" USING (true)`, "permission system"],
  ["ROW LEVEL SECURITY", `ALTER TABLE "emails" ENABLE ROW LEVEL SECURITY`, "permission system"],
  ["ROW LEVEL SECURITY", `ALTER TABLE "emails" FORCE ROW LEVEL SECURITY`, "permission system"],
  ["CREATE ROLE", `CREATE ROLE penguinmails_app NOLOGIN`, "console"],
  ["CREATE ROLE/USER", `CREATE USER bob`, "console"],
  ["CREATE ROLE/USER/DATABASE", `CREATE DATABASE other`, "console"],
  ["GRANT/REVOKE", `GRANT SELECT ON "emails" TO penguinmails_app`, "nile-preset.md"],
  ["GRANT/REVOKE", `REVOKE ALL ON SCHEMA users FROM PUBLIC`, "nile-preset.md"],
  ["COMMENT ON", `COMMENT ON TABLE "emails" IS 'mail'`, "nile-preset.md"],
  ["SET ROLE", `SET LOCAL ROLE penguinmails_app`, "GUC 'role' cannot be changed"],
  ["RENAME COLUMN", `ALTER TABLE "emails" RENAME COLUMN "subject" TO "title"`, "this form of ALTER TABLE"],
  ["DROP … CASCADE", `DROP TABLE "emails" CASCADE`, "DROP CASCADE is not supported"],
  ["DROP … CASCADE", `ALTER TABLE "emails" DROP COLUMN "subject" CASCADE`, "DROP CASCADE is not supported"],
  ["TEMPORARY TABLE", `CREATE TEMP TABLE scratch (x int)`, "RESULTS.md"],
  [
    "sequence",
    `CREATE TABLE "emails" ("tenant_id" uuid NOT NULL, "id" serial, CONSTRAINT "pk" PRIMARY KEY("tenant_id","id"))`,
    "Not supported for tenant tables",
  ],
  [
    "sequence",
    `CREATE TABLE "emails" ("tenant_id" uuid NOT NULL, "n" integer GENERATED ALWAYS AS IDENTITY (sequence name "s"), PRIMARY KEY ("tenant_id", "n"))`,
    "Not supported for tenant tables",
  ],
  ["sequence", `ALTER TABLE "users"."tenant_users" ADD COLUMN "n" bigserial`, "type serial is not supported"],
  [
    "expression in an index",
    `CREATE UNIQUE INDEX "users_email_idx" ON "users"."users" USING btree ((lower("email")))`,
    "functions are not supported in index column",
  ],
  ["expression in an index", `CREATE INDEX "i" ON "emails" USING btree ("tenant_id", lower("subject"))`, "functions are not supported in index column"],
  [
    "qualified column in an index predicate",
    `CREATE INDEX "i" ON "users"."users" USING btree ("deleted") WHERE "users"."users"."deleted" IS NOT NULL`,
    "two-part-refs-in-index-predicates",
  ],
  ["qualified column in an index predicate", `CREATE INDEX "i" ON "emails" ("id") WHERE emails.deleted IS NULL`, "two-part-refs-in-index-predicates"],
  [
    "foreign key",
    `CREATE TABLE "emails" ("tenant_id" uuid NOT NULL, "id" uuid NOT NULL, "author" uuid REFERENCES "users"."users"("id"), PRIMARY KEY ("tenant_id", "id"))`,
    "tenant table to a shared table",
  ],
  [
    "foreign key",
    `ALTER TABLE "users"."tenant_users" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users"."users"("id")`,
    "tenant table to a shared table",
  ],
  ["primary key lacks tenant_id", `CREATE TABLE "emails" ("tenant_id" uuid NOT NULL, "id" uuid PRIMARY KEY, "subject" text)`, "distributed-ddl"],
  [
    "primary key lacks tenant_id",
    `CREATE TABLE "emails" ("tenant_id" uuid NOT NULL, "id" uuid NOT NULL, CONSTRAINT "emails_pk" PRIMARY KEY("id"))`,
    "distributed-ddl",
  ],
  ["schema-qualified type", `ALTER TABLE "t" ALTER COLUMN "p" SET DATA TYPE text USING "p"::"labx"."prio"`, "schema-qualified type names"],
  ["regnamespace", `SELECT 'users'::regnamespace`, "schema-qualified type names and regnamespace"],
  ["EXPLAIN", `EXPLAIN SELECT 1`, "command tag EXPLAIN unhandled"],
  ["DO block", `DO $$ BEGIN PERFORM 1; END $$`, "anonymous plpgsql function"],
];

describe("lintNileSql", () => {
  it.each(refused)("refuses %s, naming its evidence: %s", (rule, sql, evidence) => {
    const problems = lintNileSql(`${sql};\n--> statement-breakpoint\nSELECT 1;`, "0001_x.sql");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("0001_x.sql: ");
    expect(problems[0]).toContain(rule);
    expect(problems[0]).toContain("— NileDB refuses it (");
    expect(problems[0]).toContain(evidence);
    expect(problems[0]).toContain(sql.replace(/\s+/g, " ").slice(0, 40));
  });

  it("ignores every refused statement inside -- and /* */ comments", () => {
    const sql = refused.map(([, statement]) => statement + ";");
    const lineComments = sql.map((s) => `-- ${s}\n--> statement-breakpoint`).join("\n");
    const blockComments = sql.map((s) => `/* ${s} /* nested */ still comment */`).join("\n");
    expect(lintNileSql(lineComments, "a.sql")).toEqual([]);
    expect(lintNileSql(blockComments, "b.sql")).toEqual([]);
    // drizzle's breakpoint after a statement on the same line is a comment too
    expect(lintNileSql(`ALTER TABLE "tenants" ADD COLUMN "plan" text;--> statement-breakpoint\n`, "c.sql")).toEqual([]);
  });

  it("is not fooled by comment markers, semicolons or keywords inside literals", () => {
    const sql = `INSERT INTO "notes" ("body") VALUES ('-- GRANT ALL; /* x'), (E'it\\'s; DO $$'), ('users.users');
GRANT SELECT ON "notes" TO app;`;
    const problems = lintNileSql(sql, "d.sql");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("GRANT/REVOKE");
  });

  it("passes SQL NileDB accepts (or is not known to refuse)", () => {
    const sql = [
      `CREATE TABLE "emails" ("tenant_id" uuid NOT NULL, "id" uuid NOT NULL, "subject" text, CONSTRAINT "emails_pk" PRIMARY KEY("tenant_id","id"));`,
      `CREATE INDEX "tenant_users_user_id_idx" ON "users"."tenant_users" USING btree ("user_id");`,
      `CREATE INDEX "users_deleted_idx" ON "users"."users" USING btree ("deleted") WHERE deleted IS NOT NULL;`,
      `CREATE INDEX "emails_subject_idx" ON "emails" USING btree ("tenant_id","subject" DESC NULLS LAST) WHERE "subject" <> 'a.b';`,
      `ALTER TABLE "tenants" ADD COLUMN "plan" text;`,
      `CREATE TABLE "shared_things" ("id" serial PRIMARY KEY, "x" text);`,
      `CREATE TABLE "things" ("id" uuid PRIMARY KEY, "owner" uuid REFERENCES "users"."users"("id"));`,
      `ALTER TABLE "emails" ADD CONSTRAINT "emails_tenant_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade;`,
      `ALTER TABLE "emails" RENAME TO "mails";`,
      `ALTER TABLE "mails" RENAME CONSTRAINT "emails_pk" TO "mails_pk";`, // only RENAME COLUMN was measured
      `DROP INDEX "emails_subject_idx";`,
      `SET LOCAL nile.tenant_id = '00000000-0000-0000-0000-000000000000';`,
    ].join("\n--> statement-breakpoint\n");
    expect(lintNileSql(sql, "0001_ok.sql")).toEqual([]);
  });
});

describe("lintNileMigrations", () => {
  it("lints every .sql file in order, carrying tenant-aware tables across files; a missing folder is clean", () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "nile-lint-"));
    try {
      fs.mkdirSync(path.join(folder, "meta"));
      fs.writeFileSync(path.join(folder, "meta", "_journal.json"), "{}");
      fs.writeFileSync(path.join(folder, "0000_baseline.sql"), `-- CREATE SCHEMA "users";\n-- GRANT ALL ON x TO y;\n`);
      fs.writeFileSync(
        path.join(folder, "0001_emails.sql"),
        `CREATE TABLE "emails" ("tenant_id" uuid NOT NULL, "id" uuid NOT NULL, PRIMARY KEY ("tenant_id","id"));`,
      );
      fs.writeFileSync(
        path.join(folder, "0002_more.sql"),
        `ALTER TABLE "emails" ADD COLUMN "n" serial;--> statement-breakpoint\nCOMMENT ON TABLE "emails" IS 'x';`,
      );
      const problems = lintNileMigrations(folder);
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^nile-lint-\w+\/0002_more\.sql: a sequence/);
      expect(problems[1]).toMatch(/0002_more\.sql: COMMENT ON/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
    expect(lintNileMigrations(path.join(folder, "missing"))).toEqual([]);
  });
});
