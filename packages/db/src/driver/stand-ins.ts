import type postgres from "postgres";

// Stand-ins for a postgres.js reserved connection, handed to drizzle in its place. They rely on
// what the driver-contract test pins: drizzle only calls `unsafe(text, params, options)` on its
// client and awaits the result, or `.values()` first; and postgres.js runs queries queued on a
// reserved connection in order, writing what is queued together.

type Unsafe = postgres.ReservedSql["unsafe"];
type Send = (text: string, params: Parameters<Unsafe>[1], options: Parameters<Unsafe>[2], rowsAsArrays: boolean) => Promise<unknown>;

// A connection whose every statement goes through `send` when drizzle awaits it.
function standIn(send: Send): postgres.ReservedSql {
  const unsafe = (text: string, params?: Parameters<Unsafe>[1], options?: Parameters<Unsafe>[2]) => {
    let rowsAsArrays = false;
    let sent: Promise<unknown> | undefined;
    const pending = {
      values() {
        rowsAsArrays = true;
        return pending;
      },
      then<A, B>(onFulfilled?: (value: unknown) => A | PromiseLike<A>, onRejected?: (reason: unknown) => B | PromiseLike<B>) {
        sent ??= send(text, params, options, rowsAsArrays);
        return sent.then(onFulfilled, onRejected);
      },
    };
    return pending;
  };
  return { unsafe } as unknown as postgres.ReservedSql;
}

/** Queues a statement on `connection` now, rows as arrays if asked; the query, to await. */
function queue(connection: postgres.ReservedSql, text: string, params: Parameters<Unsafe>[1], options: Parameters<Unsafe>[2], rowsAsArrays: boolean) {
  const statement = connection.unsafe(text, params, options);
  // values() and execute() return the same query: the first switches it to rows as arrays, the
  // second sends it now, in order behind what was queued before. It is awaited by the caller.
  if (rowsAsArrays) void statement.values();
  void statement.execute();
  return statement;
}

/**
 * `connection`, each statement's result held back until `ready` (a context's entry) settles,
 * and refused if it failed: work never sees rows from a context it could not enter. Results
 * come in order, so `ready` has settled by the time the first one arrives: no wait is added.
 */
export function gatedOn(connection: postgres.ReservedSql, ready: Promise<void>): postgres.ReservedSql {
  return standIn(async (text, params, options, rowsAsArrays) => {
    const [result] = await Promise.all([queue(connection, text, params, options, rowsAsArrays), ready]);
    return result;
  });
}

/**
 * `connection`, every statement wrapped in a transaction of its own: what `open()` queues (BEGIN
 * READ ONLY and a context's setup), the statement, COMMIT, leaving in one write and run in
 * order. If the opening fails, the transaction is aborted, the statement refused (25P02) and
 * COMMIT rolls back: it never runs outside the context; the opening's error, through
 * `openingError`, is the one reported.
 */
export function transactionPerStatement(
  connection: postgres.ReservedSql,
  open: () => Promise<void>,
  openingError: (error: unknown) => unknown,
): postgres.ReservedSql {
  return standIn(async (text, params, options, rowsAsArrays) => {
    const opening = open();
    const statement = queue(connection, text, params, options, rowsAsArrays);
    const closing = connection.unsafe("COMMIT").execute();
    const [opened, result, closed] = await Promise.allSettled([opening, statement, closing]);
    if (opened.status === "rejected") throw openingError(opened.reason);
    if (result.status === "rejected") throw result.reason;
    if (closed.status === "rejected") throw closed.reason;
    return result.value;
  });
}
