/**
 * Secrets inside free text: stderr lines of children, error messages that quote what a server (or a proxy
 * echoing the request) answered. Bearer/Basic credentials and values of secret-sounding keys
 * (token=…, "password": "…", Authorization: …) become [redacted]; the rest of the text stays readable.
 *
 * The text comes from the upstream, so this must cost time linear in its length whatever it holds: it is cut
 * to REDACT_MAX_CHARS first, and the key=value search is a scan over words (maximal runs of [\w.-]), each
 * looked at once, with patterns that never backtrack more than a bounded amount. (A single regular
 * expression with `[\w.-]*keyword[\w.-]*` backtracked cubically: 8 KB of `token.token.…` took 7.7 s.)
 */

/** Longest text scanned; the rest is dropped and the result ends with TRUNCATED_MARKER. */
export const REDACT_MAX_CHARS = 4096;
/**
 * Longest error text mcpo quotes in a response body, /healthz or a document: what an upstream wrote is cut
 * to it (redactText does so for everything it scans; McpoError.toJSON for every message it renders).
 */
export const ERROR_TEXT_MAX_CHARS = REDACT_MAX_CHARS;
/** What replaces the part of a text beyond a length cap. */
export const TRUNCATED_MARKER = '…[truncated]';

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** A word: what a key may be made of. */
const WORD = /[\w.-]+/g;
const SECRET_KEY_WORD = /token|secret|password|passwd|passphrase|api[_-]?key|authorization|credential|cookie|private[_-]?key|jwt/i;
/** A JSON Web Token wherever it stands (`invalid token 'eyJ…'`): three base64url parts, the first a JSON object. */
const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
/** What follows a secret key before its value: `=`, `: `, `": "`; sticky, tried at the end of the key only. */
const SEPARATOR = /["']?\s*[:=]\s*["']?/y;
const VALUE = /(?:Bearer\s+|Basic\s+)?[^\s"',;]+/iy;

/** `text` (at most REDACT_MAX_CHARS of it, TRUNCATED_MARKER saying so) with secret-looking values replaced by [redacted]. */
export function redactText(text: string): string {
  const { head, truncated } = capText(text, REDACT_MAX_CHARS);
  return redactAssignments(head).replace(BEARER, '$1 [redacted]').replace(JWT, '[redacted]') + (truncated ? TRUNCATED_MARKER : '');
}

/** The first `max` characters of `text`, and whether anything was cut (never half of a surrogate pair). */
export function capText(text: string, max: number): { head: string; truncated: boolean } {
  if (text.length <= max) return { head: text, truncated: false };
  const code = text.charCodeAt(max - 1);
  return { head: text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max), truncated: true };
}

/** `text` cut to `max` characters, ending with TRUNCATED_MARKER when it was longer. */
export function truncateText(text: string, max: number): string {
  const { head, truncated } = capText(text, max);
  return truncated ? head + TRUNCATED_MARKER : text;
}

/** Values of `key=value`, `key: value`, `"key": "value"` whose key names a secret, replaced by [redacted]. */
function redactAssignments(text: string): string {
  let out = '';
  let copied = 0;
  WORD.lastIndex = 0;
  for (let word = WORD.exec(text); word; word = WORD.exec(text)) {
    const keyEnd = word.index + word[0].length;
    if (!SECRET_KEY_WORD.test(word[0])) continue;
    SEPARATOR.lastIndex = keyEnd;
    if (!SEPARATOR.test(text)) continue;
    const start = SEPARATOR.lastIndex;
    const end = valueEnd(text, start, text[start - 1]);
    if (end === undefined || end === start) continue; // no value, or an empty one: nothing to hide
    out += `${text.slice(copied, start)}[redacted]`;
    copied = end;
    WORD.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Where the value that starts at `start` ends: at its closing quote when the separator opened one (a quoted
 * value may hold spaces and commas: `"password": "correct horse battery staple"`), at the bracket that closes
 * it when it is a JSON object or array (`"credentials": {"value": "…"}`), else at the first space or
 * delimiter. One pass from `start`, each character looked at once; undefined when there is no value.
 */
function valueEnd(text: string, start: number, opener: string | undefined): number | undefined {
  if (opener === '"' || opener === "'") return closingQuote(text, start, opener);
  const first = text[start];
  if (first === '{' || first === '[') return closingBracket(text, start);
  VALUE.lastIndex = start;
  return VALUE.exec(text) ? VALUE.lastIndex : undefined;
}

/** The index of the unescaped `quote` closing a string that starts at `start` (the end of the text if none). */
function closingQuote(text: string, start: number, quote: string): number {
  for (let i = start; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/** The index just past the bracket closing the JSON object or array at `start` (the end of the text if none). */
function closingBracket(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') i = closingQuote(text, i + 1, '"');
    else if (ch === '{' || ch === '[') depth++;
    else if ((ch === '}' || ch === ']') && --depth === 0) return i + 1;
  }
  return text.length;
}
