/** "Did you mean" for misspelled keys. */

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// Case and separators are the usual slips: disabled_tools, DisabledTools, callbackPort vs callback_port.
const fold = (key: string): string => key.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The candidate `key` was most likely meant to be: same letters ignoring case and `-`/`_`, or within a
 * small edit distance (1 for short keys, 2 from 5 characters on, 3 from 9). Undefined when nothing is close.
 */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const folded = fold(key);
  const exact = candidates.find((candidate) => fold(candidate) === folded);
  if (exact) return exact;
  const allowed = folded.length >= 9 ? 3 : folded.length >= 5 ? 2 : 1;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(folded, fold(candidate));
    if (distance <= allowed && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
