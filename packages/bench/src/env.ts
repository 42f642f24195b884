import { ConfigError, readEnv } from "@penguinmails/db";
import { z } from "zod";

// The bench reads two variables, through @penguinmails/db's readEnv (trimmed, blank as unset):
// DATABASE_URL set, every scenario runs on that server and scenario 7 adds an embedded
// engine beside it; unset, everything runs on the embedded engine. BENCH_CITUS_URL, a Citus
// coordinator with its workers, adds scenario 9 (Citus vs DATABASE_URL's PostgreSQL).

const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\/./.test(v), { message: "must be a postgres:// or postgresql:// URL" });

const schema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  BENCH_CITUS_URL: postgresUrl.optional(),
});

export interface BenchEnv {
  serverUrl: string | undefined;
  citusUrl: string | undefined;
}

export function readBenchEnv(): BenchEnv {
  const env = readEnv(schema);
  if (env.BENCH_CITUS_URL && !env.DATABASE_URL) {
    throw new ConfigError("invalid environment: BENCH_CITUS_URL compares Citus with PostgreSQL and needs DATABASE_URL too");
  }
  return { serverUrl: env.DATABASE_URL, citusUrl: env.BENCH_CITUS_URL };
}

/** The environment for a child process (the migrate CLI), with these variables replaced. */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/** `work` with DATABASE_URL set to `url` (for @penguinmails/db/testing), restored after. */
export async function withDatabaseUrl<T>(url: string, work: () => Promise<T>): Promise<T> {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
}
