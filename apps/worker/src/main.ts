import { createLogger, summarizeError } from "./log";
import { runWorker } from "./worker";

// Entry point (pnpm start / dev). Exits explicitly: pools and timers must not keep a
// stopped worker alive.
try {
  process.exit(await runWorker(process.argv.slice(2)));
} catch (error) {
  const { code, message } = summarizeError(error);
  createLogger().fatal({ event: "worker.crashed", code, error: message }, "worker crashed");
  process.exit(1);
}
