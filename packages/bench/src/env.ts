import { z } from "zod";

// The bench reads one variable, DATABASE_URL (empty counts as unset, as in @penguinmails/db):
// set, every scenario runs on that server and scenario 7 adds an embedded engine beside it;
// unset, everything runs on the embedded engine.

const schema = z.object({
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/./.test(v), { message: "must be a postgres:// or postgresql:// URL" })
    .optional(),
});

export interface BenchEnv {
  serverUrl: string | undefined;
}

export function readBenchEnv(): BenchEnv {
  const raw = process.env.DATABASE_URL;
  const parsed = schema.safeParse({ DATABASE_URL: raw === "" ? undefined : raw });
  if (!parsed.success) throw new Error(`invalid environment: DATABASE_URL ${parsed.error.issues[0]?.message}`);
  return { serverUrl: parsed.data.DATABASE_URL };
}

/** The environment for a child process (the migrate CLI), with these variables replaced. */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
