/**
 * JSON Pointer (RFC 6901) helpers. Pointers here are always the plain string form ("" or "/a/b"),
 * never the URI-fragment form: callers percent-decode fragments before parsing (RFC 6901 section 6).
 */

/** Escapes one reference token: "~" becomes "~0" and "/" becomes "~1" (RFC 6901 section 3). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Reverses escapePointerToken; "~1" is decoded before "~0" so "~01" stays "~1" (RFC 6901 section 4). */
export function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Joins tokens into a pointer: [] is "", ["a", "b/c"] is "/a/b~1c". */
export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => '/' + escapePointerToken(t)).join('');
}

/** Appends tokens to an existing pointer. */
export function appendPointer(pointer: string, ...tokens: string[]): string {
  return pointer + formatPointer(tokens);
}

/** Splits a pointer into unescaped tokens; undefined when the string is not a pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  // "~" must be followed by 0 or 1; anything else makes the pointer invalid.
  if (tokens.some((t) => /~(?![01])/.test(t))) return undefined;
  return tokens.map(unescapePointerToken);
}

/** The value a pointer designates inside `root`, or `found: false` when it designates nothing. */
export function resolvePointer(root: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  const tokens = parsePointer(pointer);
  if (tokens === undefined) return { found: false };
  let node: unknown = root;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return { found: false };
      const index = Number(token);
      if (index >= node.length) return { found: false };
      node = node[index];
    } else if (isPlainObject(node) && Object.hasOwn(node, token)) {
      node = node[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: node };
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets `key` as `object`'s own property, whatever the key: assigning to "__proto__" (a name a schema's
 * `properties` may hold, JSON.parse keeps it as an own key) would replace the object's prototype instead.
 */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}
