import net from "node:net";
import type { PGlite } from "@electric-sql/pglite";

// A PostgreSQL wire-protocol front for one PGlite instance, so postgres.js (and psql,
// drizzle-kit studio) talk to the embedded engine exactly as to a server.
//
// PGlite is a single backend, so connections are multiplexed onto it. The unit of work
// is a client's batch up to Sync or Flush (extended protocol) or one simple Query:
// interleaving smaller pieces would let one client's Bind land on another's Parse. While
// a client holds an open transaction, or awaits a reply after Flush, only its batches run. @electric-sql/pglite-socket
// 0.2.17 interleaves per message, which fails with `portal "" does not exist` under a
// pool of 5; hence this module.
//
// All connections share one session: only transaction-local state (SET LOCAL,
// set_config(..., true)) is private to a client, which is all this project uses.

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'

interface Batch {
  client: Client;
  bytes: Uint8Array;
  done: () => void;
  /** ends in Flush: the client awaits a reply mid-sequence and will Sync later */
  open: boolean;
  /** runs even though its client has gone (the rollback after a disconnect) */
  cleanup: boolean;
}

interface Client {
  socket: net.Socket;
  buffer: Buffer;
  pending: Buffer[];
  started: boolean;
  closed: boolean;
  chain: Promise<void>;
}

export interface WireServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startWireServer(db: PGlite, options: { port?: number; maxConnections?: number } = {}): Promise<WireServer> {
  const maxConnections = options.maxConnections ?? 32;
  const clients = new Set<Client>();
  const queue: Batch[] = [];
  let owner: Client | null = null; // the client whose transaction is open
  let running = false;

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const index = owner ? queue.findIndex((b) => b.client === owner) : 0;
        if (index < 0 || queue.length === 0) break;
        const [batch] = queue.splice(index, 1);
        if (!batch) break;
        if (!batch.client.closed || batch.cleanup) {
          const reply = await db.execProtocolRaw(batch.bytes);
          owner = db.isInTransaction() || batch.open ? batch.client : null;
          if (reply.length > 0 && !batch.client.socket.destroyed) batch.client.socket.write(reply);
        }
        batch.done();
      }
    } finally {
      running = false;
    }
  }

  function submit(client: Client, bytes: Uint8Array, open = false, cleanup = false): Promise<void> {
    return new Promise((resolve) => {
      queue.push({ client, bytes, done: resolve, open, cleanup });
      void drain();
    });
  }

  // A client that vanishes mid-transaction must not leave the engine locked to it.
  async function release(client: Client): Promise<void> {
    client.closed = true;
    clients.delete(client);
    await client.chain;
    if (owner === client) await submit(client, simpleQuery("ROLLBACK"), false, true);
  }

  function onData(client: Client, data: Buffer): void {
    client.buffer = client.buffer.length ? Buffer.concat([client.buffer, data]) : data;
    for (;;) {
      if (!client.started) {
        if (client.buffer.length < 8) return;
        const length = client.buffer.readInt32BE(0);
        if (client.buffer.length < length) return;
        const code = client.buffer.readInt32BE(4);
        const message = client.buffer.subarray(0, length);
        client.buffer = client.buffer.subarray(length);
        if (code === SSL_REQUEST) {
          client.socket.write("N");
        } else if (code === CANCEL_REQUEST) {
          client.socket.end();
          return;
        } else if (code === PROTOCOL_3) {
          client.started = true;
          enqueue(client, message);
        } else {
          client.socket.destroy();
          return;
        }
        continue;
      }
      if (client.buffer.length < 5) return;
      const length = 1 + client.buffer.readInt32BE(1);
      if (client.buffer.length < length) return;
      const type = client.buffer[0];
      const message = client.buffer.subarray(0, length);
      client.buffer = client.buffer.subarray(length);
      if (type === TERMINATE) {
        client.socket.end();
        return;
      }
      client.pending.push(message);
      if (type === SYNC || type === QUERY || type === FLUSH) {
        enqueue(client, Buffer.concat(client.pending), type === FLUSH);
        client.pending = [];
      }
    }
  }

  // Batches of one client run in the order it sent them.
  function enqueue(client: Client, bytes: Uint8Array, open = false): void {
    const copy = new Uint8Array(bytes);
    client.chain = client.chain.then(() => submit(client, copy, open));
  }

  const server = net.createServer((socket) => {
    if (clients.size >= maxConnections) {
      socket.end(errorResponse("53300", "too many connections to the embedded database"));
      return;
    }
    socket.setNoDelay(true);
    const client: Client = {
      socket,
      buffer: Buffer.alloc(0),
      pending: [],
      started: false,
      closed: false,
      chain: Promise.resolve(),
    };
    clients.add(client);
    socket.on("data", (data) => onData(client, data));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => void release(client));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only: the embedded engine trusts every client.
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address() as net.AddressInfo;

  return {
    port: address.port,
    async close() {
      for (const client of clients) client.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...clients].map((c) => c.chain));
    },
  };
}

function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, "utf8");
  const header = Buffer.alloc(5);
  header[0] = QUERY;
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C${code}\0M${message}\0\0`, "utf8");
  const header = Buffer.alloc(5);
  header[0] = 0x45; // 'E'
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
