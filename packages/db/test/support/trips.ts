import net from "node:net";
import type postgres from "postgres";

/**
 * postgres.js options whose connections count turns of the conversation (the server answering
 * after the client wrote), as the bench's trip counter does: `trips()` is the count so far.
 * `socket` (a connected socket of the caller's) is documented by postgres.js but missing from
 * its types.
 */
export function countingTrips(url: string): { options: postgres.Options<Record<string, never>>; trips: () => number } {
  const target = new URL(url);
  let trips = 0;
  const options = {
    max: 1,
    onnotice: () => {},
    socket: () => {
      const socket = net.connect({ host: target.hostname, port: Number(target.port || 5432) });
      let clientSpokeLast = false;
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = (...args: unknown[]) => {
        clientSpokeLast = true;
        return write(...args);
      };
      socket.on("data", () => {
        if (clientSpokeLast) trips++;
        clientSpokeLast = false;
      });
      return socket;
    },
  };
  return { options, trips: () => trips };
}
