/** A location inside a JSON document: object keys and array indexes from the root. */
export type JsonPath = readonly (string | number)[];

// Keys made of these characters read fine dotted (`mcpServers.my-server.url`); anything else is quoted.
const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/**
 * Human-readable path: `mcpServers.github.headers.Authorization`, `mcpServers.x.args[2]`,
 * `mcpServers["my.server"].url` (keys with dots or spaces are quoted so the path stays unambiguous).
 */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A stable map key for a path (segments cannot collide the way a joined string could). */
export function jsonPathKey(path: JsonPath): string {
  return JSON.stringify(path);
}

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
