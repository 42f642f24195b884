import { createUpdateSchema } from "drizzle-zod";
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
export const textSchema = z
  .string()
  .trim()
  .max(200, { message: "must be at most 200 characters" })
  .refine(noNul, { message: "must not contain NUL bytes" });

export const emailSchema = z
  .string()
  .trim()
  .max(254, { message: "must be at most 254 characters" })
  .refine(noNul, { message: "must not contain NUL bytes" })
  .pipe(z.email({ message: "must be an email address" }));

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
  picture: () =>
    z
      .url({ message: "must be a URL" })
      .max(2048, { message: "must be at most 2048 characters" })
      .nullable()
      .optional(),
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
