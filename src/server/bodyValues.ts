/**
 * What JSON.parse makes of a request body that must not go on to the MCP server:
 *
 * - Nesting deeper than MAX_BODY_DEPTH → 400 BAD_REQUEST: validating or forwarding such a value would
 *   overflow the stack, which must not read as a failure of the MCP server.
 * - A number out of range of a double (`1e400`) → 422 VALIDATION_FAILED naming its path. JSON.parse makes it
 *   Infinity without a word and JSON.stringify sends that as `null`, which a schema allowing null accepts:
 *   the tool would run with a value the client never sent (issue #12).
 *
 * Both are found by one walk over the parsed value that allocates nothing; paths are only worked out once
 * something is wrong. JSON.parse offers no cheaper hook: a reviver makes parsing several times slower.
 */
import { McpoError, ValidationError, type ValidationProblem } from '../errors.js';
import { escapePointerToken } from '../openapi/schema/pointer.js';

/**
 * Deepest nesting of objects and arrays accepted in a body (the body object itself is level 1). Real
 * tool arguments stay far below; serializing far deeper values for the MCP server overflows the stack.
 */
export const MAX_BODY_DEPTH = 256;

const TOO_DEEP = 1;
const INFINITE = 2;

/**
 * TOO_DEEP when `value` (at level `depth`) nests deeper than MAX_BODY_DEPTH, else INFINITE when it holds a
 * non-finite number, else 0. Recursive, but never below level MAX_BODY_DEPTH + 1. Allocates nothing: an
 * allocating walk cost ~380 us and much of the GC per 100 KB body (benchmark scenario "large"), this one ~60 us.
 */
function flaws(value: unknown, depth: number): number {
  if (typeof value === 'number') return Number.isFinite(value) ? 0 : INFINITE;
  if (value === null || typeof value !== 'object') return 0;
  if (depth > MAX_BODY_DEPTH) return TOO_DEEP;
  let found = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if ((found |= flaws(value[i], depth + 1)) & TOO_DEEP) return TOO_DEEP;
    return found;
  }
  for (const key in value) if ((found |= flaws((value as Record<string, unknown>)[key], depth + 1)) & TOO_DEEP) return TOO_DEEP;
  return found;
}

/** The JSON Pointer of every non-finite number inside `value` (at `path`); only called on values of bounded depth. */
function infinitePaths(value: unknown, path: string, found: string[]): string[] {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) found.push(path);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) infinitePaths(value[i], `${path}/${i}`, found);
  } else if (value !== null && typeof value === 'object') {
    for (const key in value) infinitePaths((value as Record<string, unknown>)[key], `${path}/${escapePointerToken(key)}`, found);
  }
  return found;
}

/** Throws when `parsed` (an object JSON.parse made) nests too deep or holds a number out of range of a double. */
export function refuseUnforwardableValues(parsed: object): void {
  const found = flaws(parsed, 1);
  if (found === 0) return;
  if (found & TOO_DEEP) {
    throw new McpoError('BAD_REQUEST', `Request body is nested deeper than ${MAX_BODY_DEPTH} levels of objects and arrays`, {
      details: { maxDepth: MAX_BODY_DEPTH },
    });
  }
  const problems: ValidationProblem[] = infinitePaths(parsed, '', []).map((path) => ({
    path,
    message: `is a number out of range of a double (beyond ±${Number.MAX_VALUE}), which cannot be passed on as sent`,
  }));
  throw new ValidationError(problems, 'Request body holds a number out of range of a double');
}
