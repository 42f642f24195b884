import { connect, type Connection, type Database } from "@penguinmails/db";
import { readWebEnv } from "../env";

// One database client per server process, opened on first use (so the dev server starts
// even before the db package's dev task has the embedded engine up) and kept on globalThis
// so Next's hot reloads reuse it instead of opening pool after pool.

const holder = globalThis as typeof globalThis & { penguinmailsWebConnection?: Promise<Connection> };

export function connection(): Promise<Connection> {
  if (!holder.penguinmailsWebConnection) {
    // Each context a request opens is bounded: a database that stopped answering is a
    // 503 within DATABASE_REQUEST_TIMEOUT_SECONDS, never a hung request.
    const contextTimeoutMs = readWebEnv().DATABASE_REQUEST_TIMEOUT_SECONDS * 1000;
    const opening = connect({ applicationName: "penguinmails-web", contextTimeoutMs });
    holder.penguinmailsWebConnection = opening;
    // A failed attempt is forgotten, so the next request tries again.
    opening.catch(() => {
      if (holder.penguinmailsWebConnection === opening) holder.penguinmailsWebConnection = undefined;
    });
  }
  return holder.penguinmailsWebConnection;
}

export async function database(): Promise<Database> {
  return (await connection()).db;
}

/** Closes the shared client (tests, shutdown); the next use opens a new one. */
export async function closeConnection(): Promise<void> {
  const opening = holder.penguinmailsWebConnection;
  holder.penguinmailsWebConnection = undefined;
  if (!opening) return;
  const open = await opening.catch(() => undefined);
  await open?.close();
}
