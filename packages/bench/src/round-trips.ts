import net from "node:net";
import type { Resources } from "./databases";
import { compareLatency, type LatencyPlan, type Side } from "./measure";
import type { Summary } from "./stats";

// Counts network round trips: a TCP relay between the driver and the database that counts
// each turn of the conversation (the server answering after the client has written). Used
// only outside the timed runs, to say how many round trips a call makes; pipelined
// messages and a reply split over several packets each count once.

export interface TripCounter {
  /** the database URL, through the relay */
  url: string;
  trips(): number;
  close(): Promise<void>;
}

export async function startTripCounter(targetUrl: string): Promise<TripCounter> {
  const target = new URL(targetUrl);
  let trips = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 5432) });
    let clientSpokeLast = false;
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on("data", (data) => {
      clientSpokeLast = true;
      upstream.write(data);
    });
    upstream.on("data", (data) => {
      if (clientSpokeLast) trips++;
      clientSpokeLast = false;
      client.write(data);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
      a.on("error", () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const relayed = new URL(targetUrl);
  relayed.hostname = "127.0.0.1";
  relayed.port = String((server.address() as net.AddressInfo).port);
  return {
    url: relayed.toString(),
    trips: () => trips,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Round trips per call of `side`, whose connections go through `counter`, after a warm-up. */
export async function tripsPerCall(side: Side, counter: TripCounter, calls = 20): Promise<number> {
  const warmup = 3;
  let total = 0;
  for (let i = 0; i < warmup + calls; i++) {
    await side.before?.(i);
    const start = counter.trips();
    await side.run(i);
    if (i >= warmup) total += counter.trips() - start;
  }
  return Math.round((total / calls) * 10) / 10;
}

export interface SidesOn<K> {
  sides(key: K): Side[];
  /** untimed clean-up when the scenario is done (the embedded engine shares one session) */
  reset?(): Promise<unknown>;
}

/**
 * The sides built twice from `sidesOn`: on `url` for the timed comparison, and on a trip
 * counter's relay to say how many round trips each side makes (counted apart from the
 * timing, after it). The counter closes with `resources`.
 */
export async function timedWithTrips<K>(resources: Resources, url: string, sidesOn: (url: string) => SidesOn<K>) {
  const timed = sidesOn(url);
  const counter = await startTripCounter(url);
  resources.defer(() => counter.close());
  const counted = sidesOn(counter.url);
  return {
    async measure(key: K, plan: LatencyPlan): Promise<{ summaries: Summary[]; trips: number[] }> {
      const summaries = await compareLatency(timed.sides(key), plan);
      const trips: number[] = [];
      for (const side of counted.sides(key)) trips.push(await tripsPerCall(side, counter));
      return { summaries, trips };
    },
    async reset(): Promise<void> {
      await timed.reset?.();
      await counted.reset?.();
    },
  };
}
