import { z } from "zod";
import { DataError } from "./errors";

// Canonical 8-4-4-4-12 hex: the only shape an id may have before it is written into SQL
// (SET LOCAL takes no bind parameters).
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const idSchema = z
  .string()
  .regex(UUID_PATTERN, { message: "must be a UUID" })
  .transform((id) => id.toLowerCase());

/**
 * The id, lower-cased, or a `validation` DataError naming the field. The same rule as
 * idSchema without zod's machinery: it runs on every hot read (3 µs saved of ~80).
 */
export function parseId(value: unknown, field: string): string {
  if (typeof value === "string" && UUID_PATTERN.test(value)) return value.toLowerCase();
  throw new DataError("validation", `${field} must be a UUID`, [{ field, message: "must be a UUID" }]);
}
