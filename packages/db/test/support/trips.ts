import net from "node:net";
import type postgres from "postgres";

// postgres.js options whose connections go through a socket of ours, to watch or break the
// conversation. `socket` (a connected socket of the caller's) is documented by postgres.js
// but missing from its types.

type Options = postgres.Options<Record<string, never>>;

/** A socket to `url` whose every write is shown to `onWrite` first; false drops the connection. */
function watchedSocket(url: string, onWrite: (chunk: unknown, socket: net.Socket) => boolean): () => net.Socket {
  const target = new URL(url);
  return () => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port || 5432) });
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = (chunk: unknown, ...rest: unknown[]) => {
      if (onWrite(chunk, socket)) return write(chunk, ...rest);
      socket.destroy();
      return true;
    };
    return socket;
  };
}

/**
 * Connections that count turns of the conversation (the server answering after the client
 * wrote), as the bench's trip counter does: `trips()` is the count so far.
 */
export function countingTrips(url: string): { options: Options; trips: () => number } {
  let trips = 0;
  const options = {
    max: 1,
    onnotice: () => {},
    socket: () => {
      let clientSpokeLast = false;
      const socket = watchedSocket(url, () => (clientSpokeLast = true))();
      socket.on("data", () => {
        if (clientSpokeLast) trips++;
        clientSpokeLast = false;
      });
      return socket;
    },
  };
  return { options, trips: () => trips };
}

/**
 * Connections on which the first write holding `text` drops the connection instead of going
 * out, as a server that went away would; `seen()` counts the writes holding it.
 */
export function droppingFirst(url: string, text: string): { options: Options; seen: () => number } {
  let seen = 0;
  const options = {
    max: 1,
    onnotice: () => {},
    socket: watchedSocket(url, (chunk) => {
      if (!String(chunk).includes(text)) return true;
      return ++seen > 1;
    }),
  };
  return { options, seen: () => seen };
}
