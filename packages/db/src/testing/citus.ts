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

/**
 * Creates database `name` on every node and makes it a Citus database of the cluster; then
 * `prepare` (the migrations) runs. `admin` is a session on the maintenance database.
 */
export async function createCitusDatabase(
  admin: postgres.Sql,
  cluster: CitusCluster,
  name: string,
  url: string,
  prepare: (url: string) => Promise<unknown>,
): Promise<void> {
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await onWorkers(admin, cluster, `CREATE DATABASE ${name}`);
  // Joining a cluster and a first migration re-create every role on the workers (ALTER ROLE
  // for each), and two databases doing so at once collide there ("tuple concurrently
  // updated"): one database at a time, under a lock of the maintenance database.
  await admin`SELECT pg_advisory_lock(hashtext('penguinmails.test-database.citus'))`;
  try {
    await joinCluster(url, cluster);
    await prepare(url);
  } finally {
    await admin`SELECT pg_advisory_unlock(hashtext('penguinmails.test-database.citus'))`;
  }
}

/** Drops database `name` from every node, retrying while Citus's own sessions still hold it. */
export async function dropCitusDatabase(admin: postgres.Sql, cluster: CitusCluster, name: string): Promise<void> {
  // Each node's maintenance daemon keeps a session in the database and may open one again
  // between FORCE's termination and the drop ("being accessed by other users").
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await onWorkers(admin, cluster, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (error) {
      if (attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

async function joinCluster(url: string, cluster: CitusCluster): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS citus`;
    await onWorkers(sql, cluster, "CREATE EXTENSION IF NOT EXISTS citus");
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

/** Runs `command` on every worker, in the database of `sql`'s session, from the coordinator. */
async function onWorkers(sql: postgres.Sql, cluster: CitusCluster, command: string): Promise<void> {
  if (!cluster.workers.length) return;
  // master_run_on_worker reports each node's failure as a row rather than raising it.
  const results = await sql<{ host: string; port: number; success: boolean; result: string }[]>`
    SELECT node_name AS host, node_port AS port, success, result
    FROM pg_catalog.master_run_on_worker(
      ${cluster.workers.map((w) => w.host)}::text[],
      ${cluster.workers.map((w) => w.port)}::int[],
      ${cluster.workers.map(() => command)}::text[],
      true)`;
  const failed = results.filter((r) => !r.success);
  if (failed.length || results.length !== cluster.workers.length) {
    const why = failed.map((r) => `${r.host}:${r.port}: ${r.result}`).join("; ") || "a worker did not answer";
    throw new Error(`citus: "${command}" failed on the workers (${why})`);
  }
}
