import { checkDatabase, describeDatabaseError, isDataError, pendingMigrations } from "@penguinmails/db";
import { connection } from "./db";

// Healthy means: the app's own pool serves a statement (bounded like a request, so a broken
// pool or a database that stopped answering is unhealthy) and every committed migration is
// applied. Reasons are short and public; connection details go to the log only.

export type Health = { ok: true } | { ok: false; reason: string };

export async function checkHealth(): Promise<Health> {
  let url: string | undefined;
  try {
    const open = await connection();
    url = open.url;
    await checkDatabase(open.db);
    const pending = await pendingMigrations(url, { engine: open.engine });
    if (pending.length > 0) {
      return { ok: false, reason: `${pending.length} migration(s) pending: ${pending.join(", ")}` };
    }
    return { ok: true };
  } catch (error) {
    // A context's DataError `unavailable` carries the driver's error as its cause.
    const detail = isDataError(error, "unavailable") ? error.cause : error;
    console.error(`[web] health: ${url ? describeDatabaseError(detail, url) : String(error)}`);
    return { ok: false, reason: "database unreachable" };
  }
}
