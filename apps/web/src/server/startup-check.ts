import { readWebEnv } from "../env";
import { signInConfig } from "./sign-in-config";

// A sign-in that is on without its secret (or any other bad setting) stops `next start` with
// one clear line, before the first request. `next build` is left alone: these are run-time
// settings.
export function checkStartup(): void {
  try {
    const env = readWebEnv();
    if (env.NEXT_PHASE === "phase-production-build") return;
    signInConfig(env);
  } catch (error) {
    console.error(`penguinmails web: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
