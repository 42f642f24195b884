import { driverError } from "../driver/errors";
import { DataError } from "../errors";

// PostgreSQL errors mapped to DataError once, here. Only SQLSTATE and constraint names
// are read: messages never echo SQL, parameters or rows the caller may not see.

const UNIQUE_CONFLICTS: Record<string, { field: string; message: string }> = {
  users_email_live_key: { field: "email", message: "that email address is already taken" },
  // NileDB's own (exact text among live users): a race the data layer's check cannot close there.
  users_email_key: { field: "email", message: "that email address is already taken" },
  users_pkey: { field: "id", message: "that user id is already taken" },
  tenants_pkey: { field: "id", message: "that tenant id is already taken" },
  tenant_users_tenant_id_user_id_pk: { field: "userId", message: "already a member of this tenant" },
};

const CHECK_FIELDS: Record<string, string> = {
  users_email_length: "email",
  users_email_trimmed: "email",
  users_name_length: "name",
  users_given_name_length: "givenName",
  users_family_name_length: "familyName",
  users_picture_length: "picture",
  tenants_name_length: "name",
  tenant_users_roles_valid: "roles",
  tenant_users_email_length: "email",
};

interface PgError {
  code?: string;
  constraint_name?: string;
  message?: string;
  detail?: string;
}

// Citus relays a worker's error without its constraint name. The unique key's columns in its
// detail, or the constraint in its message, still name it (and are all that is read of them).
const UNIQUE_KEYS: Record<string, string> = {
  "lower(email)": "users_email_live_key",
  "tenant_id, user_id": "tenant_users_tenant_id_user_id_pk",
};

function constraintOf(pg: PgError): string {
  if (pg.constraint_name) return tableConstraint(pg.constraint_name);
  const key = /^Key \((.+?)\)=/.exec(pg.detail ?? "")?.[1];
  if (key && key in UNIQUE_KEYS) return UNIQUE_KEYS[key]!;
  const named = /constraint "([a-z0-9_]+)"/.exec(pg.message ?? "")?.[1];
  return named ? tableConstraint(named) : "";
}

/** The DataError for a database error, or the error itself when it is not one we know. */
export function toDataError(error: unknown, notFound = "not found"): unknown {
  if (error instanceof DataError) return error;
  const pg = driverError(error) as PgError | undefined;
  const constraint = pg ? constraintOf(pg) : "";
  switch (pg?.code) {
    case "23505": {
      const known = UNIQUE_CONFLICTS[constraint] ?? { field: "input", message: "conflicts with an existing record" };
      return new DataError("conflict", known.message, [known], { cause: error });
    }
    case "23503":
      return new DataError("not_found", notFound, [], { cause: error });
    case "23514":
    case "22P02":
    case "22001":
    case "22021": {
      const field = CHECK_FIELDS[constraint] ?? "input";
      return new DataError("validation", `${field} is not acceptable`, [{ field, message: "is not acceptable" }], { cause: error });
    }
    // Row-level security refused it: from the caller's side, the row is not there.
    case "42501":
      return new DataError("not_found", notFound, [], { cause: error });
    default:
      return error;
  }
}

/** A constraint's name as declared: Citus reports a shard's, with the shard id appended. */
function tableConstraint(name: string): string {
  const declared = name.replace(/_\d+$/, "");
  return declared !== name && (declared in UNIQUE_CONFLICTS || declared in CHECK_FIELDS) ? declared : name;
}

/** Runs `work`, mapping database errors to DataError (unknown errors pass through). */
export async function mapErrors<T>(work: () => Promise<T>, notFound?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDataError(error, notFound);
  }
}
