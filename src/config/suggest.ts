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
 * Words other clients or habits use for a key, folded → the key. Edit distance cannot see these:
 * `enviroment` is 7 edits from `env`.
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  environment: 'env',
  enviroment: 'env',
  environ: 'env',
  envvars: 'env',
  environmentvariables: 'env',
  variables: 'env',
  arguments: 'args',
  argv: 'args',
  cmd: 'command',
  executable: 'command',
  workingdirectory: 'cwd',
  workingdir: 'cwd',
  directory: 'cwd',
  endpoint: 'url',
  uri: 'url',
  transporttype: 'type',
  servertype: 'type',
  inheritenvironment: 'inheritEnv',
};

/**
 * The candidate `key` was most likely meant to be: same letters ignoring case and `-`/`_`; a known
 * synonym (`environment` → `env`); within a small edit distance (1 for short keys, 2 from 5 characters
 * on, 3 from 9); or a candidate of 3 or more letters the key starts with (`envVars` → `env`).
 * Undefined when nothing is close.
 */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const folded = fold(key);
  const exact = candidates.find((candidate) => fold(candidate) === folded);
  if (exact) return exact;
  const synonym = Object.hasOwn(SYNONYMS, folded) ? SYNONYMS[folded] : undefined;
  if (synonym !== undefined && candidates.includes(synonym)) return synonym;
  const allowed = folded.length >= 9 ? 3 : folded.length >= 5 ? 2 : 1;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(folded, fold(candidate));
    if (distance <= allowed && (!best || distance < best.distance)) best = { candidate, distance };
  }
  if (best) return best.candidate;
  const prefixes = candidates.filter((candidate) => fold(candidate).length >= 3 && folded.startsWith(fold(candidate)));
  return prefixes.sort((a, b) => fold(b).length - fold(a).length)[0];
}
