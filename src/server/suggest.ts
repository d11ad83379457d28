/**
 * "Did you mean" hints for unknown server and tool names. Only names that are already public
 * (listed in the documents) are ever suggested.
 */

/** Default number of suggestions in a not-found message. */
export const DEFAULT_MAX_SUGGESTIONS = 3;

/** Names within a small edit distance of `input` (or sharing its prefix), closest first. */
export function closeNames(input: string, candidates: Iterable<string>, max = DEFAULT_MAX_SUGGESTIONS): string[] {
  const needle = input.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const hay = name.toLowerCase();
    const distance = editDistance(needle, hay);
    // Allow roughly one typo per four characters; substrings (e.g. "add" vs "add_numbers") also count.
    const budget = Math.max(1, Math.floor(Math.max(needle.length, hay.length) / 4));
    if (distance <= budget) scored.push({ name, score: distance });
    else if (needle.length >= 3 && (hay.includes(needle) || needle.includes(hay))) scored.push({ name, score: budget + 1 });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("alpah" → "alpha" is 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** " Did you mean: a, b?" or '' when there is nothing close. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const names = closeNames(input, candidates);
  return names.length === 0 ? '' : ` Did you mean: ${names.join(', ')}?`;
}
