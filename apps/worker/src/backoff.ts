import { setTimeout as sleep } from "node:timers/promises";

// Retries after a failure wait 1 s, 2 s, 4 s … up to a cap, each drawn from the upper half
// of its step ("equal jitter"): replicas that failed together do not retry in lockstep,
// and a wait is never shorter than the one before it.

export interface Backoff {
  /** the wait before the next retry, in ms; each call counts one more failure */
  next(): number;
  reset(): void;
}

export function exponentialBackoff(options: { baseMs?: number; capMs: number }): Backoff {
  const base = options.baseMs ?? 1000;
  let failures = 0;
  return {
    next() {
      const step = Math.min(options.capMs, base * 2 ** Math.min(failures, 30));
      failures++;
      return Math.round(step / 2 + Math.random() * (step / 2));
    },
    reset() {
      failures = 0;
    },
  };
}

/** Waits `ms`, or less if `signal` aborts first; never throws. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks the signal
  }
}
