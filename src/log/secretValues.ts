/**
 * What a secret looks like inside structured values (tool arguments logged at debug level): by key name, and
 * by the shape of a string whatever its key — `Bearer …`/`Basic …` credentials, JWTs (`eyJ….….…`) and long
 * high-entropy strings (32 or more base64/hex characters with both letters and digits, UUIDs excepted).
 * Every pattern here looks at each character a bounded number of times: arguments can be megabytes.
 */

/** Substrings that make a key secret wherever they appear in it (`GITHUB_TOKEN`, `clientSecret`, `x-api-key`). */
const SECRET_KEY_PART = /(authorization|token|secret|password|passwd|api[-_]?key|cookie|credential|code_verifier|^code$)/i;
/** Words that make a key secret only as a whole segment of snake, kebab or camel case (`auth`, not `author`; `pass`, not `path`). */
const SECRET_KEY_WORDS = new Set(['auth', 'jwt', 'pass', 'passphrase', 'pwd', 'otp', 'totp', 'privatekey', 'secretkey', 'sessionkey']);

/** The segments of a key, lower case: `privateKey`, `PRIVATE_KEY`, `private-key` → ['private', 'key']. */
function keySegments(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Whether values under `key` are secrets, judged by its name. */
export function isSecretKey(key: string): boolean {
  if (SECRET_KEY_PART.test(key)) return true;
  const segments = keySegments(key);
  return segments.some((segment, at) => SECRET_KEY_WORDS.has(segment) || SECRET_KEY_WORDS.has(segment + (segments[at + 1] ?? '')));
}

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** Starts only where a base64url run starts, so a long run is scanned once. */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const LONG_RUN = /[A-Za-z0-9+/=_-]{32,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a secret-looking value is printed as. */
const REDACTED = '[redacted]';

/** `text` with bearer credentials, JWTs and long high-entropy runs replaced by [redacted]. */
export function redactSecretShapes(text: string): string {
  return text
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(LONG_RUN, (run) => (UUID.test(run) || !/[0-9]/.test(run) || !/[A-Za-z]/.test(run) ? run : REDACTED));
}

/** Deep copy of `value` (at most `maxDepth` levels) with secret keys' values and secret-shaped strings redacted. */
export function redactSecretValues(value: unknown, maxDepth = 8, depth = 0): unknown {
  if (typeof value === 'string') return redactSecretShapes(value);
  if (depth > maxDepth || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecretValues(item, maxDepth, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSecretKey(key) ? REDACTED : redactSecretValues(item, maxDepth, depth + 1);
  }
  return out;
}
