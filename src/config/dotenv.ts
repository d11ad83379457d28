/**
 * Environment variables from the command line: `--env-path FILE` (a .env file) and repeatable
 * `--env KEY=VALUE` / `--env KEY`. Error messages name keys and line numbers but never echo values (they are
 * usually secrets).
 */
import { ConfigError, UsageError } from '../errors.js';
import { isMcpoVariable, MCPO_ENV_PREFIX } from './mcpoVariables.js';
import type { Environment } from './expand.js';

/** Variable names as dotenv accepts them: a letter or underscore, then letters, digits, `_`, `.`, `-`. */
export const ENV_ASSIGNMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const ASSIGNMENT = /^\s*(?:export\s+)?([^=\s#]*)\s*=\s*/;
const QUOTES = new Set(['"', "'", '`']);
const DOUBLE_QUOTED_ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** Index of the closing quote in `body`, or -1; inside double quotes a backslash escapes the next character. */
function closingQuote(body: string, quote: string): number {
  if (quote !== '"') return body.indexOf(quote);
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') i++;
    else if (body[i] === '"') return i;
  }
  return -1;
}

function unescapeDoubleQuoted(value: string): string {
  return value.replace(/\\(.)/gs, (whole, char: string) => DOUBLE_QUOTED_ESCAPES[char] ?? whole);
}

/**
 * Parses a .env file: `KEY=VALUE` lines, blank lines and `#` comments, an optional `export ` prefix,
 * values in "double" (escapes \n \r \t \" \\, may span lines), 'single' or `backtick` quotes (literal,
 * may span lines), or unquoted (trimmed; ` #` starts a comment). No `${VAR}` expansion inside the file.
 * A line that is none of these is a ConfigError naming `file:line`. Later keys override earlier ones.
 */
export function parseDotenv(text: string, file: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // A Map, so a key named "__proto__" is stored like any other instead of touching a prototype.
  const result = new Map<string, string>();
  const fail = (lineIndex: number, message: string): never => {
    throw new ConfigError(message, { file: `${file}:${lineIndex + 1}` });
  };

  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) fail(n, 'expected KEY=VALUE');
    const key = match?.[1] ?? '';
    if (!ENV_ASSIGNMENT_NAME.test(key)) {
      fail(n, `${key ? `"${key}"` : 'an empty name'} is not a valid variable name (use letters, digits and "_", not starting with a digit)`);
    }
    const rest = line.slice(match?.[0].length ?? 0);
    const quote = rest[0] ?? '';
    if (!QUOTES.has(quote)) {
      result.set(key, rest.replace(/(^|\s)#.*$/, '').trim());
      continue;
    }
    const startLine = n;
    let body = rest.slice(1);
    let close = closingQuote(body, quote);
    while (close === -1) {
      n++;
      if (n >= lines.length) fail(startLine, `the quoted value of ${key} is never closed (missing ${quote})`);
      body += `\n${lines[n] ?? ''}`;
      close = closingQuote(body, quote);
    }
    const after = body.slice(close + 1).trim();
    if (after !== '' && !after.startsWith('#')) fail(n, `unexpected text after the closing ${quote} of ${key}`);
    const value = body.slice(0, close);
    result.set(key, quote === '"' ? unescapeDoubleQuoted(value) : value);
  }
  return Object.fromEntries(result);
}

/**
 * Parses repeatable `--env` flags: `KEY=VALUE` (the value may be empty or contain "="), or a bare `KEY`,
 * which takes KEY's value from `env` (mcpo's environment), as `docker run -e KEY` does. A bare KEY that
 * is not set there, and any of mcpo's own MCPO_* variables, are a UsageError. Later flags win.
 */
export function parseEnvAssignments(pairs: readonly string[], env: Environment): Record<string, string> {
  const result = new Map<string, string>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const key = equals === -1 ? pair : pair.slice(0, equals);
    if (!ENV_ASSIGNMENT_NAME.test(key)) {
      const shown = equals === -1 ? key : `${key}=…`;
      throw new UsageError(`--env ${JSON.stringify(shown)}: ${key ? `"${key}"` : 'an empty name'} is not a valid variable name (use KEY=VALUE, or KEY to pass on mcpo's own value)`);
    }
    if (isMcpoVariable(key)) {
      throw new UsageError(`--env ${equals === -1 ? key : `${key}=…`}: mcpo's own ${MCPO_ENV_PREFIX}* variables are never passed on to servers (to configure mcpo, set ${key} in its environment)`);
    }
    if (equals !== -1) {
      result.set(key, pair.slice(equals + 1));
      continue;
    }
    const value = Object.hasOwn(env, key) ? env[key] : undefined;
    if (value === undefined) throw new UsageError(`--env ${key}: ${key} is not set in mcpo's environment (use ${key}=VALUE to give a value)`);
    result.set(key, value);
  }
  return Object.fromEntries(result);
}
