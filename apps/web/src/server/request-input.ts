import { parseInput } from "@penguinmails/db";
import type { z } from "zod";
import { WebError } from "./errors";

// Request input (a JSON body, a form's fields) is measured before any schema sees it: a
// schema reports one problem per bad array item, so an unbounded array would mean unbounded
// work and an unbounded answer. Nothing this API accepts comes close to these limits.

const INPUT_LIMITS = { arrayItems: 10, objectKeys: 10, depth: 5 } as const;

/** `parseInput` from the data layer, after checking the input's shape is within INPUT_LIMITS. */
export function parseRequestInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  assertWithinLimits(value);
  return parseInput(schema, value);
}

function assertWithinLimits(value: unknown): void {
  const pending: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (path.length >= INPUT_LIMITS.depth) refuse(path, `must not nest more than ${INPUT_LIMITS.depth} levels deep`);
    if (Array.isArray(current)) {
      if (current.length > INPUT_LIMITS.arrayItems) refuse(path, `must list at most ${INPUT_LIMITS.arrayItems} items`);
    } else if (Object.keys(current).length > INPUT_LIMITS.objectKeys) {
      refuse(path, `must have at most ${INPUT_LIMITS.objectKeys} fields`);
    }
    const entries = Array.isArray(current) ? current.map((item, index) => [String(index), item] as const) : Object.entries(current);
    for (const [key, item] of entries) pending.push({ value: item, path: [...path, key] });
  }
}

function refuse(path: string[], problem: string): never {
  const field = path.join(".") || "body";
  throw new WebError("validation", `invalid input: ${field} ${problem}`, [{ field, message: problem }]);
}
