/** Rules for server names, which become the first URL path segment of every tool route (`/{name}/{tool}`). */

/** Letters, digits, `.`, `_`, `-`; starting with a letter or digit. */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const MAX_SERVER_NAME_LENGTH = 64;

/** Paths the HTTP layer serves itself at the top level; a server with one of these names would shadow them. */
export const RESERVED_SERVER_NAMES: readonly string[] = ['docs', 'openapi.json', 'healthz', 'oauth'];

/** Why `name` cannot be a server name, in plain words; undefined when it is fine. */
export function serverNameProblem(name: string): string | undefined {
  if (name === '') return 'server name must not be empty';
  if (name.length > MAX_SERVER_NAME_LENGTH) {
    return `server name "${name.slice(0, 20)}…" is ${name.length} characters long; at most ${MAX_SERVER_NAME_LENGTH} are allowed`;
  }
  if (!SERVER_NAME_PATTERN.test(name)) {
    return `server name ${JSON.stringify(name)} cannot be used in a URL path: use letters, digits, ".", "_" and "-", starting with a letter or digit`;
  }
  if (RESERVED_SERVER_NAMES.includes(name)) {
    return `server name "${name}" is reserved (mcpo serves /${name} itself); choose another name`;
  }
  return undefined;
}
