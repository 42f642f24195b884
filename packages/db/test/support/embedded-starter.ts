// A process that wants the shared embedded database, as `pnpm dev`, `db:migrate` or an app
// would: `host-or-join <dataDir>` reports whether it hosts, then stays until SIGTERM;
// `writer <dataDir> <first>` also inserts rows first, first+1, … into `acked`, printing
// each one only after the database acknowledged it.
import { once } from "node:events";
import postgres from "postgres";
import { acquireSharedEmbedded } from "../../src/embedded/shared";

const [mode, dataDir, first] = process.argv.slice(2);
// Loaded and ready: start the race when the test says "go" (one byte on stdin), so that
// starters contend within milliseconds rather than their start-up times apart.
console.log("loaded");
await once(process.stdin, "data");
const shared = await acquireSharedEmbedded(dataDir!);
console.log(JSON.stringify({ hosted: shared.hosted, url: shared.url, pid: process.pid }));

process.once("SIGTERM", () => {
  void shared.release().then(() => process.exit(0));
});

if (mode === "writer") {
  const sql = postgres(shared.url, { max: 1, onnotice: () => {} });
  for (let n = Number(first); ; n++) {
    await sql`INSERT INTO acked (n) VALUES (${n})`;
    console.log(`ack ${n}`);
  }
} else {
  setInterval(() => {}, 1 << 30);
}
