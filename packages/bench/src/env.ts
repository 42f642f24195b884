import { z } from "zod";

// The bench reads two variables (empty counts as unset, as in @penguinmails/db):
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
  const value = (key: keyof z.infer<typeof schema>) => (process.env[key] === "" ? undefined : process.env[key]);
  const parsed = schema.safeParse({ DATABASE_URL: value("DATABASE_URL"), BENCH_CITUS_URL: value("BENCH_CITUS_URL") });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join("; ")}`);
  }
  if (parsed.data.BENCH_CITUS_URL && !parsed.data.DATABASE_URL) {
    throw new Error("invalid environment: BENCH_CITUS_URL compares Citus with PostgreSQL and needs DATABASE_URL too");
  }
  return { serverUrl: parsed.data.DATABASE_URL, citusUrl: parsed.data.BENCH_CITUS_URL };
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
