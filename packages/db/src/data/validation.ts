import { createUpdateSchema } from "drizzle-zod";
import { domainToASCII, domainToUnicode } from "node:url";
import { z } from "zod";
import { DataError } from "../errors";
import { idSchema } from "../ids";
import { users } from "../schema";

// The input rules, shared with web forms and API handlers. The database mirrors each of
// them as a constraint (migration 0003), so no client can store what these refuse.

export const TENANT_ROLES = ["owner", "admin", "member", "viewer"] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

const noNul = (value: string) => !value.includes("\0");

/** Names and other short text: trimmed, at most 200 characters, no NUL bytes. */
export const textSchema = z.string().trim().max(200, { message: "must be at most 200 characters" }).refine(noNul, { message: "must not contain NUL bytes" });

// Email addresses, internationalized (RFC 6530/6531): a UTF-8 local part and a domain in
// Unicode or punycode. One normalized form is stored, so every spelling of an address is one
// account:
// - the local part is NFC-normalized and otherwise kept as typed (case included; uniqueness is
//   case-insensitive through the database's lower(email) index);
// - the domain is stored in its ASCII (punycode) form, lowercased: `jürgen@bücher.de`,
//   `Jürgen@BÜCHER.de` and `jürgen@xn--bcher-kva.de` are all stored as
//   `jürgen@xn--bcher-kva.de`.
// Punycode rather than Unicode for the domain because the database can then check it exactly
// (ASCII letters, digits and hyphens, as DNS and SMTP see it) with no IDNA tables or locale of
// its own; `displayEmail` shows the Unicode form. The database mirrors these rules in
// users_email_format (migration 0012): EMAIL_LOCAL_CHAR below is the same set of code points
// in both, and the stored form must be NFC.

/**
 * The non-ASCII code points a local part may hold: everything from U+00A1 on except
 * invisible, spacing and direction-changing characters (soft hyphen, the Unicode spaces,
 * zero-width and bidi controls, BOM), surrogates and U+FFF0–U+FFFF (replacement character
 * included). Listed as ranges so JavaScript and PostgreSQL regexes hold exactly the same set.
 */
export const EMAIL_NON_ASCII_RANGES: readonly (readonly [number, number])[] = [
  [0x00a1, 0x00ac],
  [0x00ae, 0x167f],
  [0x1681, 0x180d],
  [0x180f, 0x1fff],
  [0x2010, 0x2027],
  [0x2030, 0x205e],
  [0x2070, 0x2fff],
  [0x3001, 0xd7ff],
  [0xe000, 0xfefe],
  [0xff00, 0xffef],
  [0x10000, 0xdffff],
  [0xe0080, 0x10ffff],
];

const hex = (n: number) =>
  n
    .toString(16)
    .toUpperCase()
    .padStart(n > 0xffff ? 8 : 4, "0");
const jsRanges = EMAIL_NON_ASCII_RANGES.map(([a, b]) => `\\u{${a.toString(16)}}-\\u{${b.toString(16)}}`).join("");
const sqlRanges = EMAIL_NON_ASCII_RANGES.map(([a, b]) => [a, b].map((n) => (n > 0xffff ? `\\U${hex(n)}` : `\\u${hex(n)}`)).join("-")).join("");

// zod's email rule, widened: the local part's characters gain the non-ASCII set, the top-level
// domain may be an IDN one (xn--...). The stored domain is ASCII only.
const localChars = (ranges: string, quote: string) => [`[A-Za-z0-9_${quote}+${ranges}-]`, `[A-Za-z0-9_+${ranges}-]`];
const domainRule = "([A-Za-z0-9][A-Za-z0-9-]*\\.)+([A-Za-z]{2,}|[Xx][Nn]--[A-Za-z0-9-]+)$";
function emailPattern(ranges: string, quote: string): string {
  const [any, last] = localChars(ranges, quote);
  return `^(${any}+\\.)*${any}*${last}@${domainRule}`;
}

/** The stored form's rule, as a JavaScript regex (unicode mode). */
export const EMAIL_PATTERN = new RegExp(emailPattern(jsRanges, "'"), "u");
/**
 * The same rule for ASCII only, where no label is an IDN one (no `xn--`): such an address is
 * already NFC, and IDNA would only lowercase its domain. Most addresses are this; they skip
 * IDNA, which cost a lookup by email ~15 µs (pnpm bench, scenario 1; docs/benchmarks.md).
 */
const PLAIN_ASCII_EMAIL = new RegExp(`^(?!.*@(?:.*\\.)?xn--)${emailPattern("", "'").slice(1)}`, "i");
/** The same rule as a PostgreSQL regex, as it stands in migration 0012 (quotes doubled there). */
export const EMAIL_PATTERN_SQL = emailPattern(sqlRanges, "'");

const MAX_EMAIL = 254;

/**
 * The stored form of `address` (already trimmed), or null when it is no email address: local
 * part NFC, domain through IDNA (UTS #46, as URLs do) to lowercase punycode.
 */
export function normalizeEmail(address: string): string | null {
  if (PLAIN_ASCII_EMAIL.test(address)) {
    if (address.length > MAX_EMAIL) return null;
    const at = address.lastIndexOf("@");
    return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
  }
  return normalizeWithIdna(address);
}

/** normalizeEmail for any address: through IDNA (exported for the test that the two agree). */
export function normalizeWithIdna(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at <= 0) return null;
  const local = address.slice(0, at).normalize("NFC");
  const domainPart = address.slice(at + 1);
  // domainToASCII also accepts things that are no host name ("1.2.3.4", "a_b"); the rule
  // below refuses those. It returns "" for what IDNA refuses in a Unicode domain (disallowed
  // code points, bidi or joiner rules), but an all-ASCII domain comes back lowercased whatever
  // its xn-- labels hold: the URL Standard's web-compatibility carve-out, which Node.js 24.22
  // (ada 4) follows and Node.js 20 does not. Hence validAceLabels.
  const domain = domainPart === "" || /[/\\?#:%@\s]/u.test(domainPart) ? "" : domainToASCII(domainPart);
  if (domain === "" || !validAceLabels(domain)) return null;
  const stored = `${local}@${domain}`;
  if (!EMAIL_PATTERN.test(stored) || [...stored].length > MAX_EMAIL) return null;
  return stored;
}

/**
 * Whether every xn-- label of `domain` (ASCII, lowercase) is a real IDNA A-label: it decodes to
 * a non-ASCII label that IDNA's full checks (done on Unicode input) encode back to the same
 * label. Refuses bad punycode (`xn--zz`), labels that decode to nothing non-ASCII (`xn--a-`)
 * and decodings IDNA would not produce (`xn--u-ccb`, a `ü` not in NFC): on every Node.js.
 */
function validAceLabels(domain: string): boolean {
  return domain.split(".").every((label) => {
    if (!label.startsWith("xn--")) return true;
    const unicode = domainToUnicode(label);
    return /[\u0080-\u{10ffff}]/u.test(unicode) && domainToASCII(unicode) === label;
  });
}

/** `email` for people: the domain in Unicode (`jürgen@bücher.de`). */
export function displayEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 0) return email;
  const domain = domainToUnicode(email.slice(at + 1));
  return domain === "" ? email : `${email.slice(0, at)}@${domain}`;
}

/**
 * An address as typed (trimmed here) in its stored form (see normalizeEmail), or what is wrong
 * with it: the one check behind emailSchema and parseEmail.
 */
function checkEmail(typed: string): { email: string } | { problem: string } {
  const value = typed.trim();
  if ([...value].length > MAX_EMAIL) return { problem: "must be at most 254 characters" };
  if (!noNul(value)) return { problem: "must not contain NUL bytes" };
  const email = normalizeEmail(value);
  return email === null ? { problem: "must be an email address" } : { email };
}

/** An email address, trimmed and normalized to the stored form (see normalizeEmail). */
export const emailSchema = z.string().transform((typed, ctx) => {
  const checked = checkEmail(typed);
  if ("problem" in checked) {
    ctx.addIssue({ code: "custom", message: checked.problem });
    return z.NEVER;
  }
  return checked.email;
});

/**
 * parseInput(emailSchema, value, field) without zod, for lookups by email: zod's steps cost a
 * lookup ~8 µs beside its query (pnpm bench, scenario 1; docs/benchmarks.md). Same errors.
 */
export function parseEmail(value: unknown, field = "email"): string {
  // Not a string: zod's own words for it.
  if (typeof value !== "string") return parseInput(emailSchema, value, field);
  const checked = checkEmail(value);
  if ("email" in checked) return checked.email;
  throw new DataError("validation", `invalid input: ${field} ${checked.problem}`, [{ field, message: checked.problem }]);
}

export const roleSchema = z.enum(TENANT_ROLES, { message: `must be one of ${TENANT_ROLES.join(", ")}` });

export const rolesSchema = z
  .array(roleSchema)
  .min(1, { message: "must name at least one role" })
  .refine((roles) => new Set(roles).size === roles.length, { message: "must not repeat a role" });

export const tenantNameSchema = textSchema.pipe(z.string().min(1, { message: "must not be empty" }));

const optionalText = textSchema.nullable().optional();

/** The profile fields a user may change about themselves. */
export const profileSchema = createUpdateSchema(users, {
  name: () => optionalText,
  givenName: () => optionalText,
  familyName: () => optionalText,
  picture: () => z.url({ message: "must be a URL" }).max(2048, { message: "must be at most 2048 characters" }).nullable().optional(),
})
  .pick({ name: true, givenName: true, familyName: true, picture: true })
  .strict();

export type ProfileInput = z.input<typeof profileSchema>;

export const newUserSchema = z
  .object({ id: idSchema.optional(), email: emailSchema, name: optionalText, givenName: optionalText, familyName: optionalText })
  .strict();

export const newMemberSchema = z.object({ email: emailSchema, roles: rolesSchema }).strict();

export const memberPageSchema = z
  .object({
    after: idSchema.optional(),
    limit: z.number().int().min(1).max(200).default(50),
    includeDeleted: z.boolean().default(false),
  })
  .strict();

export { idSchema };

/**
 * Parses `value` or throws a `validation` DataError naming every offending field; `field`
 * names a single value (`parseInput(idSchema, id, "userId")`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, field?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => ({
    field: [field, ...issue.path.map(String)].filter(Boolean).join(".") || "input",
    message: issue.message,
  }));
  const summary = fields.map((f) => `${f.field} ${f.message}`).join("; ");
  throw new DataError("validation", `invalid input: ${summary}`, fields);
}

/** At most this many members per bulk import call; larger imports go in several calls. */
export const IMPORT_BATCH_LIMIT = 10_000;

export const memberImportSchema = z
  .array(z.object({ email: emailSchema, name: textSchema.nullable().optional(), roles: rolesSchema }).strict())
  .min(1, { message: "must list at least one member" })
  .max(IMPORT_BATCH_LIMIT, { message: `must list at most ${IMPORT_BATCH_LIMIT} members` })
  .refine((rows) => new Set(rows.map((r) => r.email.toLowerCase())).size === rows.length, {
    message: "must not list an email twice",
  });
