import net from "node:net";

// A TCP relay in front of the test database that can "go down": while down it cuts every
// open connection and drops new ones at once, as a restarting or unreachable server would.

export interface OutageProxy {
  /** the database URL, through the relay */
  url: string;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startOutageProxy(databaseUrl: string): Promise<OutageProxy> {
  const target = new URL(databaseUrl);
  const open = new Set<net.Socket>();
  let isUp = true;

  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (!isUp) return void client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    down() {
      isUp = false;
      for (const socket of open) socket.destroy();
    },
    up() {
      isUp = true;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
