/**
 * How much there is to validate in a set of arguments, up to `limit` (then limit + 1): one per value (object,
 * array, string, number...) plus one per 8 characters of strings and keys. What validation costs grows with it:
 * per value (types, unions, uniqueItems) and per character (formats, uniqueItems keys). Weighing stops at the
 * limit, so it costs at most about as much as validating that much (~30 ns for a body of a few values).
 */

/** Deeper than this (routes refuse bodies past 256 levels) a body counts as over any limit. */
const MAX_DEPTH = 1_000;

let remaining = 0;

export function bodyWeight(value: unknown, limit: number): number {
  remaining = limit + 1;
  weigh(value, 0);
  return remaining <= 0 ? limit + 1 : limit + 1 - remaining;
}

/** Recursive (a third of the time of an explicit stack), bounded by MAX_DEPTH. */
function weigh(item: unknown, depth: number): void {
  if (typeof item === 'string') {
    remaining -= 1 + (item.length >> 3);
    return;
  }
  if (typeof item !== 'object' || item === null) {
    remaining -= 1;
    return;
  }
  remaining -= 1;
  if (depth >= MAX_DEPTH) remaining = 0;
  if (Array.isArray(item)) {
    for (let i = 0; i < item.length && remaining > 0; i++) weigh(item[i], depth + 1);
    return;
  }
  // Parsed JSON has only own keys (an inherited one would only add weight).
  for (const key in item) {
    if (remaining <= 0) return;
    remaining -= key.length >> 3;
    weigh((item as Record<string, unknown>)[key], depth + 1);
  }
}
