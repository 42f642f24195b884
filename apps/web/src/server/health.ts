import { describeDatabaseError, pendingMigrations } from "@penguinmails/db";
import { connection } from "./db";

// Healthy means: the database answers and every committed migration is applied. Reasons are
// short and public; connection details go to the log only.

export type Health = { ok: true } | { ok: false; reason: string };

export async function checkHealth(): Promise<Health> {
  let url: string | undefined;
  try {
    url = (await connection()).url;
    const pending = await pendingMigrations(url);
    if (pending.length > 0) {
      return { ok: false, reason: `${pending.length} migration(s) pending: ${pending.join(", ")}` };
    }
    return { ok: true };
  } catch (error) {
    console.error(`[web] health: ${url ? describeDatabaseError(error, url) : String(error)}`);
    return { ok: false, reason: "database unreachable" };
  }
}
