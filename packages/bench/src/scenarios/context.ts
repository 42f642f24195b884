import type { BenchConfig } from "../config";
import type { BenchDatabase, Engine } from "../databases";
import type { Statement } from "../statements";
import type { HotRead } from "../sides/data-layer";

// What every scenario is handed: the run's configuration and its seeded databases.

export interface BenchRun {
  config: BenchConfig;
  engine: Engine;
  /** seeded at config.large: scenarios 1, 2, 3 and 5 */
  large: BenchDatabase;
  /** seeded at config.small: scenario 4's small end, scenario 7's server side, scenario 6's target */
  small: BenchDatabase;
  /** the SQL each hot read sends, for the raw sides */
  statements: Map<HotRead, Statement>;
  /** set when DATABASE_URL names a server: an embedded engine seeded at config.small */
  embeddedSmall?: BenchDatabase;
  /** BENCH_CITUS_URL: a Citus coordinator, for scenario 9 */
  citusUrl?: string;
}
