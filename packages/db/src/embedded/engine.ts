import { PGlite } from "@electric-sql/pglite";
import { startWireServer } from "./wire-server";

export interface EmbeddedEngine {
  /** postgres:// URL of the wire server, for postgres.js and any other client */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts PGlite (in memory when `dataDir` is undefined) behind a local wire server. */
export async function startEmbeddedEngine(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedEngine> {
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = await startWireServer(db, { port: options.port ?? 0 });
  return {
    url: embeddedUrl(server.port),
    async stop() {
      await server.close();
      await db.close();
    },
  };
}

export function embeddedUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}
