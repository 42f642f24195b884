// `pnpm db:studio`: Drizzle Studio on the migration (owner) database, so row-level
// security does not hide rows from the person inspecting them.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { resolveMigrationDatabase } from "../target";

const target = await resolveMigrationDatabase();
const bin = path.join(path.dirname(createRequire(import.meta.url).resolve("drizzle-kit")), "bin.cjs");
const studio = spawn(process.execPath, [bin, "studio", ...process.argv.slice(2)], {
  stdio: "inherit",
  // Forwarding the environment to the child, not reading configuration from it.
  // eslint-disable-next-line no-restricted-properties
  env: { ...process.env, DRIZZLE_STUDIO_URL: target.url },
});
const stop = () => studio.kill("SIGTERM");
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
studio.once("exit", (code) => {
  void target.release().then(() => process.exit(code ?? 0));
});
