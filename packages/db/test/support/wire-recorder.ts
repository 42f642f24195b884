import net from "node:net";

// A TCP proxy that records what a PostgreSQL client sends: put it between a client and the
// server (point the client at `url(...)`), run work, read `connections`. Nothing is changed
// or held back: the bytes go on to the server as they come; a copy is parsed on the side.
//
// The frontend protocol (https://www.postgresql.org/docs/15/protocol-message-formats.html):
// a connection opens with untyped messages (Int32 length, then Int32 code: an SSLRequest or
// GSSENCRequest, which the server answers with one byte, or the StartupMessage, code
// 196608); after the startup every message is typed: one byte, then an Int32 length that
// counts itself but not the type byte. Recorded here:
//   'Q' Query: one string, the SQL text (possibly several statements, split by the reader);
//   'P' Parse: statement name, then SQL text (then parameter types, not read);
//   'B' Bind: portal name, then the statement name it executes (then parameters, not read).
// A Bind is the moment a parsed statement runs (with the Execute after it): a named prepared
// statement is parsed once per connection and then bound again and again with no Parse, so
// the Binds are what say which SQL ran, and in what order. Everything else (Describe,
// Execute, Sync, Flush, Close, Terminate, ...) is skipped by its length.

export type Sent =
  /** a simple-protocol query message */
  | { kind: "query"; text: string }
  /** a statement parsed ("" is the unnamed statement) */
  | { kind: "parse"; name: string; text: string }
  /** a parsed statement run, with the text of the Parse it names on this connection */
  | { kind: "bind"; name: string; text: string };

export interface RecordedConnection {
  /** 1, 2, ... in the order the client connected */
  id: number;
  /** the StartupMessage's parameters (user, database, application_name, TimeZone, ...) */
  startup: Record<string, string>;
  /** untyped requests before the startup (SSLRequest, ...), by name */
  preamble: string[];
  sent: Sent[];
}

export interface WireRecorder {
  /** every connection the proxy has seen, in connection order */
  readonly connections: RecordedConnection[];
  /** `databaseUrl` with host and port replaced by the proxy's */
  url(databaseUrl: string): string;
  /** forget what was recorded so far (connections that stay open keep recording) */
  clear(): void;
  close(): Promise<void>;
}

const PROTOCOL_3 = 196608;
const REQUESTS: Record<number, string> = { 80877103: "SSLRequest", 80877104: "GSSENCRequest", 80877102: "CancelRequest" };

/** Starts a proxy on 127.0.0.1 (a free port) in front of the server `host`:`port`. */
export async function startWireRecorder(target: { host: string; port: number }): Promise<WireRecorder> {
  const connections: RecordedConnection[] = [];
  let nextId = 1;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const connection: RecordedConnection = { id: nextId++, startup: {}, preamble: [], sent: [] };
    connections.push(connection);
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      // Either side going away takes the other with it, as a direct connection would.
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
    const parse = parser(connection);
    client.on("data", (chunk: Buffer) => {
      parse(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    get connections() {
      return connections;
    },
    url(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      return url.toString();
    },
    clear() {
      for (const connection of connections) connection.sent = [];
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A parser for one connection's client-to-server stream, fed chunk by chunk. */
function parser(connection: RecordedConnection): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  let started = false;
  // Statement name → SQL text, as parsed on this connection (a Parse of a name replaces it).
  const parsed = new Map<string, string>();

  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!started) {
        // Untyped: Int32 length (counting itself), Int32 code, then the body.
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        if (code === PROTOCOL_3) {
          connection.startup = startupParameters(buffer.subarray(8, length));
          started = true;
        } else {
          connection.preamble.push(REQUESTS[code] ?? `request ${code}`);
        }
        buffer = buffer.subarray(length);
        continue;
      }
      // Typed: one byte, Int32 length (counting itself, not the type byte), then the body.
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) return;
      const type = String.fromCharCode(buffer[0]!);
      const body = buffer.subarray(5, 1 + length);
      buffer = buffer.subarray(1 + length);
      if (type === "Q") {
        connection.sent.push({ kind: "query", text: cstrings(body, 1)[0]! });
      } else if (type === "P") {
        const [name, text] = cstrings(body, 2) as [string, string];
        parsed.set(name, text);
        connection.sent.push({ kind: "parse", name, text });
      } else if (type === "B") {
        const [, name] = cstrings(body, 2) as [string, string];
        connection.sent.push({ kind: "bind", name, text: parsed.get(name) ?? `<statement ${JSON.stringify(name)} never parsed here>` });
      }
    }
  };
}

/** The first `count` NUL-terminated strings of `body`. */
function cstrings(body: Buffer, count: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < count) {
    const end = body.indexOf(0, start);
    if (end < 0) throw new Error("wire recorder: a string without its terminating NUL");
    out.push(body.toString("utf8", start, end));
    start = end + 1;
  }
  return out;
}

/** The StartupMessage's name/value pairs (after the protocol code), up to the closing NUL. */
function startupParameters(body: Buffer): Record<string, string> {
  const parameters: Record<string, string> = {};
  let start = 0;
  while (start < body.length && body[start] !== 0) {
    const [name, value] = cstrings(body.subarray(start), 2) as [string, string];
    parameters[name] = value;
    start += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
  }
  return parameters;
}
