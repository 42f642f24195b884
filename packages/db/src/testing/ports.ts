import net from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago: bound by us, then released. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A port nobody listens on (a freed one), for "the server is not there" tests. */
export const closedPort: () => Promise<number> = freePort;
