// Test databases on a Citus coordinator. A new database is not a Citus database by itself:
// it must exist on every node, have the extension on every node, and know the nodes. Every
// step goes through the coordinator, so workers need not be reachable from the test process
// (in containers they usually are not).
import postgres from "postgres";

interface Node {
  host: string;
  port: number;
}

/** The cluster as the coordinator's maintenance database knows it. */
export interface CitusCluster {
  /** how the workers reach the coordinator, when it is registered */
  coordinator: Node | undefined;
  workers: Node[];
}

/**
 * The cluster behind `sql` when its database has the citus extension installed, else undefined.
 * Installed, not merely available: a plain server can carry Citus's files without loading them.
 */
export async function findCitusCluster(sql: postgres.Sql): Promise<CitusCluster | undefined> {
  const [installed] = await sql`SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus'`;
  if (!installed) return undefined;
  const nodes = await sql<(Node & { coordinator: boolean })[]>`
    SELECT nodename AS host, nodeport AS port, groupid = 0 AS coordinator
    FROM pg_catalog.pg_dist_node
    WHERE noderole = 'primary' AND isactive
    ORDER BY groupid`;
  const node = ({ host, port }: Node): Node => ({ host, port });
  const coordinator = nodes.find((n) => n.coordinator);
  return { coordinator: coordinator && node(coordinator), workers: nodes.filter((n) => !n.coordinator).map(node) };
}

/** Makes `CREATE DATABASE` and `DROP DATABASE` on this session reach every node. */
export async function propagateDatabaseCommands(sql: postgres.Sql): Promise<void> {
  await sql`SET citus.enable_create_database_propagation TO on`;
}

/** Turns a database just created on every node into a Citus database of the cluster. */
export async function joinCluster(url: string, cluster: CitusCluster): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS citus`;
    if (cluster.workers.length) {
      // Runs on each worker in the database of this session; a failure comes back as a row.
      const results = await sql<{ host: string; port: number; success: boolean; result: string }[]>`
        SELECT node_name AS host, node_port AS port, success, result
        FROM pg_catalog.master_run_on_worker(
          ${cluster.workers.map((w) => w.host)}::text[],
          ${cluster.workers.map((w) => w.port)}::int[],
          ${cluster.workers.map(() => "CREATE EXTENSION IF NOT EXISTS citus")}::text[],
          true)`;
      const failed = results.filter((r) => !r.success);
      if (failed.length || results.length !== cluster.workers.length) {
        const why = failed.map((r) => `${r.host}:${r.port}: ${r.result}`).join("; ") || "a worker did not answer";
        throw new Error(`citus: CREATE EXTENSION citus failed on the workers (${why})`);
      }
    }
    if (cluster.coordinator) {
      await sql`SELECT pg_catalog.citus_set_coordinator_host(${cluster.coordinator.host}, ${cluster.coordinator.port})`;
    }
    for (const worker of cluster.workers) {
      await sql`SELECT pg_catalog.citus_add_node(${worker.host}, ${worker.port})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
