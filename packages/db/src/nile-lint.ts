import fs from "node:fs";
import path from "node:path";

// nile-lint: refuse, before anything reaches NileDB, the statements NileDB is known to refuse.
// Pure text work (no database): migrations-nile/ must hold only what NileDB accepts, and the
// only other way to learn it is a failed deploy. Each rule names its evidence, graded as in
// ../shared/spec/niledb-target.md §1.2: [doc] = NileDB's docs, [3p-container]/[3p-cloud] =
// third-party measurements against NileDB's testing container / cloud.

const COMPAT = "docs postgres/postgres-compatibility [doc]";
const PRESET = "hejbro nile-preset.md [3p-container]";
const RESULTS = "hejbro-postgres-labs RESULTS.md [3p-cloud]";

const EVIDENCE = {
  function: `${COMPAT}: "User defined functions are not supported yet"`,
  trigger: `${COMPAT}: "Triggers are not supported yet"`,
  policy: `${COMPAT}: policies wait for "a more powerful permission system that is in progress"`,
  console: `${COMPAT}: roles, users and databases are made in NileDB's console`,
  grant: `${PRESET}: GRANT and COMMENT refused`,
  setRole: `hejbro generalize-context-application proposal [3p-container]: "GUC 'role' cannot be changed", and it blocks the tenant setting after it`,
  rename: `${RESULTS}: "this form of ALTER TABLE is not supported"`,
  cascade: `findings/2026-09-03-nile-rejects-qualified-column-refs.md [3p-cloud]: "DROP CASCADE is not supported"`,
  temp: `${RESULTS}: CREATE TEMPORARY TABLE refused`,
  sequence: `${COMPAT}: CREATE SEQUENCE "Not supported for tenant tables"; ${PRESET}: "type serial is not supported for tenant-aware table"`,
  expressionIndex: `findings/2026-09-04-nile-preset-misses-platform-limits.md [3p-cloud]: "functions are not supported in index column expression"`,
  predicate: `findings/2026-09-04-nile-rejects-two-part-refs-in-index-predicates.md [3p-cloud]: "missing FROM-clause entry"`,
  sharedFk: `${COMPAT}: no foreign key from a tenant table to a shared table`,
  primaryKey: `blog 2024-11-19-distributed-ddl [doc]: primary keys "must include the tenant_id column"`,
  qualifiedType: `${RESULTS} and findings/2026-09-03-check-cannot-compare-checks-on-nile.md [3p-cloud]: schema-qualified type names and regnamespace refused`,
  explain: `findings/2026-09-03-check-cannot-compare-checks-on-nile.md [3p-cloud]: "command tag EXPLAIN unhandled"`,
  doBlock: `${COMPAT}: "User defined functions are not supported yet"; a DO block is an anonymous plpgsql function [inferred]`,
};

/** One statement: `text` as written (comments removed), `bare` with literal contents blanked. */
interface Statement {
  text: string;
  bare: string;
}

interface Rule {
  what: string;
  evidence: string;
  refuses: (stmt: string, tenantTables: Set<string>) => boolean;
}

const NAME = String.raw`(?:"[^"]+"|[A-Za-z_][\w$]*)`;
const TABLE = String.raw`(${NAME}(?:\s*\.\s*${NAME})?)`;
const SEQUENCE_USE = /\b(?:small|big)?serial[248]?\b|\bGENERATED (?:ALWAYS|BY DEFAULT) AS IDENTITY\b|\bnextval\s*\(/i;
const USERS_USERS = /\bREFERENCES\s*(?:"users"|users)\s*\.\s*(?:"users"|users)\s*\(/i;
const QUALIFIED = new RegExp(String.raw`(?<![\w$"])${NAME}\s*\.\s*${NAME}`);
const TENANT_ID = /^(?:"tenant_id"|tenant_id)$/i;

const regex = (pattern: RegExp) => (stmt: string) => pattern.test(stmt);

// Rules over one statement (whitespace collapsed, literals blanked).
const RULES: Rule[] = [
  { what: "CREATE FUNCTION/PROCEDURE", evidence: EVIDENCE.function, refuses: regex(/^CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE)\b/i) },
  { what: "CREATE TRIGGER", evidence: EVIDENCE.trigger, refuses: regex(/^CREATE (?:OR REPLACE )?(?:CONSTRAINT |EVENT )?TRIGGER\b/i) },
  { what: "CREATE POLICY", evidence: EVIDENCE.policy, refuses: regex(/^CREATE (?:OR REPLACE )?POLICY\b/i) },
  { what: "ENABLE/FORCE ROW LEVEL SECURITY", evidence: EVIDENCE.policy, refuses: regex(/^ALTER TABLE\b.*\b(?:ENABLE|FORCE) ROW LEVEL SECURITY\b/i) },
  { what: "CREATE ROLE/USER/DATABASE", evidence: EVIDENCE.console, refuses: regex(/^CREATE (?:ROLE|USER|DATABASE)\b/i) },
  { what: "GRANT/REVOKE", evidence: EVIDENCE.grant, refuses: regex(/^(?:GRANT|REVOKE)\b/i) },
  { what: "COMMENT ON", evidence: EVIDENCE.grant, refuses: regex(/^COMMENT ON\b/i) },
  { what: "SET ROLE", evidence: EVIDENCE.setRole, refuses: regex(/^SET (?:LOCAL |SESSION )?ROLE\b/i) },
  // RENAME [COLUMN] a TO b; a table's RENAME TO and RENAME CONSTRAINT a TO b (not known refused) do not match.
  { what: "ALTER TABLE … RENAME COLUMN", evidence: EVIDENCE.rename, refuses: regex(/^ALTER TABLE\b.*\bRENAME (?:COLUMN )?\S+ TO\b/i) },
  // DROP … CASCADE, also inside ALTER TABLE (not an FK's ON DELETE CASCADE).
  { what: "DROP … CASCADE", evidence: EVIDENCE.cascade, refuses: regex(/^DROP\b.*\bCASCADE\b|^ALTER\b.*\bDROP\b[^,]*\bCASCADE\b/i) },
  { what: "CREATE TEMPORARY TABLE", evidence: EVIDENCE.temp, refuses: regex(/^CREATE (?:GLOBAL |LOCAL )?TEMP(?:ORARY)? TABLE\b/i) },
  {
    what: "a sequence (serial, identity, nextval) in a tenant-aware table",
    evidence: EVIDENCE.sequence,
    refuses: (s, t) => tenantTableChange(s, t, (body) => SEQUENCE_USE.test(body)),
  },
  {
    what: "a foreign key from a tenant-aware table to users.users",
    evidence: EVIDENCE.sharedFk,
    refuses: (s, t) => tenantTableChange(s, t, (body) => USERS_USERS.test(body)),
  },
  {
    what: "a tenant-aware table whose primary key lacks tenant_id",
    evidence: EVIDENCE.primaryKey,
    refuses: (s, t) => tenantTableChange(s, t, primaryKeyLacksTenant),
  },
  { what: "an expression in an index column list", evidence: EVIDENCE.expressionIndex, refuses: (s) => index(s)?.columns.some(isExpression) ?? false },
  { what: "a qualified column in an index predicate", evidence: EVIDENCE.predicate, refuses: (s) => QUALIFIED.test(index(s)?.predicate ?? "") },
  {
    what: "a schema-qualified type or regnamespace cast",
    evidence: EVIDENCE.qualifiedType,
    refuses: regex(new RegExp(String.raw`::\s*(?:${NAME}\s*\.\s*${NAME}|"?regnamespace\b)`, "i")),
  },
  { what: "EXPLAIN", evidence: EVIDENCE.explain, refuses: regex(/^EXPLAIN\b/i) },
  { what: "a DO block", evidence: EVIDENCE.doBlock, refuses: regex(/^DO\b/i) },
];

/** Tables known to have tenant_id before the migrations: NileDB's built-in memberships. */
const BUILT_IN_TENANT_TABLES = ["users.tenant_users"];

/**
 * Problems in one migration file's SQL. `tenantTables` (schema.table) carries the tables seen
 * with a tenant_id column across files, so an ALTER TABLE in a later file is judged too.
 */
export function lintNileSql(text: string, file: string, tenantTables = new Set(BUILT_IN_TENANT_TABLES)): string[] {
  const problems: string[] = [];
  for (const { text: stmt, bare } of statements(text)) {
    noteTenantTable(bare, tenantTables);
    const snippet = stmt.length > 80 ? `${stmt.slice(0, 80)}…` : stmt;
    for (const rule of RULES) {
      if (rule.refuses(bare, tenantTables)) problems.push(`${file}: ${rule.what} — NileDB refuses it (${rule.evidence}): ${snippet}`);
    }
  }
  return problems;
}

/** Problems in every `.sql` file of a migrations folder, in file order; none if it is missing. */
export function lintNileMigrations(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  const tenantTables = new Set(BUILT_IN_TENANT_TABLES);
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .flatMap((name) => lintNileSql(fs.readFileSync(path.join(folder, name), "utf8"), `${path.basename(folder)}/${name}`, tenantTables));
}

// Splits on top-level `;`, dropping `--` and `/* */` comments (drizzle's `--> statement-breakpoint`
// is one) and keeping quotes intact: a `--` or `;` inside a literal or identifier is not syntax.
function statements(sql: string): Statement[] {
  const out: Statement[] = [];
  let text = "";
  let bare = "";
  const flush = () => {
    const collapse = (s: string) => s.replace(/\s+/g, " ").trim();
    if (collapse(text)) out.push({ text: collapse(text), bare: collapse(bare) });
    text = bare = "";
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const before = (k: number) => sql[i - k] ?? "";
    if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
      text += " ";
      bare += " ";
    } else if (sql.startsWith("/*", i)) {
      let depth = 0; // PostgreSQL block comments nest
      do {
        const step = sql.startsWith("/*", i) ? 1 : sql.startsWith("*/", i) ? -1 : 0;
        depth += step;
        i += step ? 2 : 1;
      } while (depth > 0 && i < sql.length);
      text += " ";
      bare += " ";
    } else if (c === "'" || c === '"') {
      const escapes = c === "'" && /[Ee]/.test(before(1)) && !/[\w$]/.test(before(2)); // E'...' strings
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === "\\") j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      const quoted = sql.slice(i, j + 1);
      text += quoted;
      bare += c === '"' ? quoted : "''"; // identifiers matter to the rules, literal contents do not
      i = j + 1;
    } else if (c === "$" && !/[\w$]/.test(before(1)) && dollarTag(sql, i)) {
      const tag = dollarTag(sql, i)!;
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? sql.length : end + tag.length;
      text += sql.slice(i, stop);
      bare += "$$ $$";
      i = stop;
    } else if (c === ";") {
      flush();
      i++;
    } else {
      text += c;
      bare += c;
      i++;
    }
  }
  flush();
  return out;
}

/** The `$tag$` opening a dollar-quoted string at `i`, if one does. */
function dollarTag(sql: string, i: number): string | undefined {
  const tag = /\$(?:[A-Za-z_]\w*)?\$/y;
  tag.lastIndex = i;
  return tag.exec(sql)?.[0];
}

/** `schema.table` without quotes; unqualified names are in public. */
function tableKey(name: string): string {
  const parts = name.split(/\s*\.\s*/).map((part) => part.replace(/^"|"$/g, ""));
  return parts.length === 1 ? `public.${parts[0]}` : parts.join(".");
}

const CREATE_TABLE = new RegExp(String.raw`^CREATE (?:UNLOGGED )?TABLE (?:IF NOT EXISTS )?${TABLE}\s*\(`, "i");
const ALTER_TABLE = new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${TABLE}\s+(.*)$`, "i");

/** The columns and constraints of a CREATE TABLE, split at top-level commas. */
function tableElements(stmt: string): string[] | undefined {
  const match = CREATE_TABLE.exec(stmt);
  if (!match) return undefined;
  return splitTopLevel(parenthesised(stmt, match[0].length - 1));
}

const isConstraint = (element: string) => /^(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|EXCLUDE|LIKE)\b/i.test(element);
const hasTenantColumn = (elements: string[]) => elements.some((e) => !isConstraint(e) && TENANT_ID.test(e.split(" ")[0]!));

function noteTenantTable(stmt: string, tenantTables: Set<string>): void {
  const elements = tableElements(stmt);
  if (elements && hasTenantColumn(elements)) tenantTables.add(tableKey(CREATE_TABLE.exec(stmt)![1]!));
  const alter = ALTER_TABLE.exec(stmt);
  if (alter && /\bADD (?:COLUMN )?(?:IF NOT EXISTS )?(?:"tenant_id"|tenant_id)\s/i.test(alter[2]!)) tenantTables.add(tableKey(alter[1]!));
}

/**
 * Applies `refused` to the body of a CREATE TABLE with a tenant_id column, or to the rest of an
 * ALTER TABLE on a table known to have one (a shared table may use sequences and FKs freely).
 */
function tenantTableChange(stmt: string, tenantTables: Set<string>, refused: (body: string) => boolean): boolean {
  const elements = tableElements(stmt);
  if (elements) return hasTenantColumn(elements) && refused(elements.join(", "));
  const alter = ALTER_TABLE.exec(stmt);
  return Boolean(alter && tenantTables.has(tableKey(alter[1]!)) && refused(alter[2]!));
}

/** A table-level PRIMARY KEY (cols) without tenant_id, or a column-level PRIMARY KEY on another column. */
function primaryKeyLacksTenant(body: string): boolean {
  for (const element of splitTopLevel(body).map((e) => e.replace(/^ADD /i, ""))) {
    const tableLevel = /\bPRIMARY KEY\s*\(([^)]*)\)/i.exec(element);
    if (tableLevel) {
      if (!splitTopLevel(tableLevel[1]!).some((col) => TENANT_ID.test(col))) return true;
    } else if (/\bPRIMARY KEY\b/i.test(element) && !isConstraint(element)) {
      const column = element.replace(/^COLUMN (?:IF NOT EXISTS )?/i, "").split(" ")[0]!;
      if (!TENANT_ID.test(column)) return true;
    }
  }
  return false;
}

const CREATE_INDEX = new RegExp(
  String.raw`^CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?(?:(?:IF NOT EXISTS )?${NAME} )?ON (?:ONLY )?${TABLE}(?: USING \w+)?\s*\(`,
  "i",
);

/** The column list and WHERE predicate of a CREATE INDEX, if the statement is one. */
function index(stmt: string): { columns: string[]; predicate: string } | undefined {
  const match = CREATE_INDEX.exec(stmt);
  if (!match) return undefined;
  const open = match[0].length - 1;
  const list = parenthesised(stmt, open);
  const after = stmt.slice(open + list.length + 2);
  return { columns: splitTopLevel(list), predicate: /\bWHERE\b(.*)$/i.exec(after)?.[1] ?? "" };
}

// An expression is a parenthesised element or a function call; `"col" DESC`, `"col" text_ops` are not.
const isExpression = (column: string) => /^\(|^[A-Za-z_][\w$.]*\s*\(/.test(column);

/** The text inside the parenthesis opening at `open`, up to its match. */
function parenthesised(stmt: string, open: number): string {
  let depth = 0;
  for (let i = open; i < stmt.length; i++) {
    if (stmt[i] === "(") depth++;
    else if (stmt[i] === ")" && --depth === 0) return stmt.slice(open + 1, i);
    else if (stmt[i] === '"') {
      const close = stmt.indexOf('"', i + 1); // skip a quoted identifier; literals are already blanked
      i = close < 0 ? stmt.length : close;
    }
  }
  return stmt.slice(open + 1);
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quoted = false;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(list.slice(start).trim());
  return parts.filter(Boolean);
}
