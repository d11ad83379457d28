/**
 * Which requests are the tool route's, and how their target is read. The rule, in this one place:
 *
 *   The tool route answers every POST, except one whose path lies outside {pathPrefix}, or in {pathPrefix}/oauth
 *   or below it.
 *
 * The app's only POST routes are the connections page's buttons, under {pathPrefix}/oauth (oauthRoutes.ts), and no
 * server may be named `oauth` (config/names.ts), so no request is meant for both (in single mode, a tool named
 * `oauth` or `oauth/…` is the one exception: not served). Every other method (documents, docs pages, health, CORS
 * preflights, a GET on a tool path with its 405), a POST outside the prefix (404) and a POST to {pathPrefix}/oauth
 * or below it are the app's, whether OAuth support is loaded or not (without it, 404).
 *
 * The target is read here, not handed over: an absolute-form target (`POST http://host/a/b`) names the host in
 * place of the Host header (RFC 9112 §3.2.2); the query is dropped; a path with dot segments or characters
 * outside the plain set is normalised as URL parsing does it (`/a/./b`, `/b/../a/b` and `%2e%2e` segments
 * resolved). Below the prefix, the part up to the first "/" names the server and the rest the tool (multi
 * mode), or all of it the tool (single mode); each is percent-decoded on its own, so a tool name may hold
 * "/" as itself or as %2F. A target that cannot be read is still the tool route's, refused with 400.
 */
import { McpoError } from '../errors.js';

/** The first segment below the prefix that is the app's for every method: OAuth on mcpo's port (oauthRoutes.ts). */
export const OAUTH_SEGMENT = 'oauth';

/** A claimed request's target. */
export interface ToolTarget {
  /** The path as the request log shows it: normalised, percent-encoded as sent, without the query. */
  path: string;
  /** The host an absolute-form target names, which stands for the Host header; undefined for a path. */
  authority: string | undefined;
  /** The path below `{pathPrefix}/`, still percent-encoded; undefined when the path is the prefix itself. */
  rest: string | undefined;
  /** Why the target cannot be read (400); the other fields are then only what could be read. */
  problem?: McpoError;
}

/** Paths taken as written: no percent-encoding, query, fragment or backslash; dot segments are looked for apart. */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
const ABSOLUTE_FORM = /^https?:\/\//i;

/** An unreadable target as logged: without what may be a query, and not too long. */
function shown(target: string): string {
  return target.split('?', 1)[0]!.slice(0, 200);
}

function unreadable(path: string, message: string): ToolTarget {
  return { path, authority: undefined, rest: undefined, problem: new McpoError('BAD_REQUEST', message) };
}

/**
 * The decoded text of a percent-encoded path part. Throws 400 BAD_REQUEST for an invalid escape (Hono would
 * have kept it as written; a tool name is better refused than guessed).
 */
export function decodePathPart(part: string): string {
  if (!part.includes('%')) return part;
  try {
    return decodeURIComponent(part);
  } catch {
    throw new McpoError('BAD_REQUEST', 'The request path holds an invalid percent-encoding (a "%" not followed by two hex digits of UTF-8)');
  }
}

/** Reads targets against `pathPrefix` (normalised: '' or '/a/b'). */
export function toolTargets(pathPrefix: string): (method: string, target: string) => ToolTarget | undefined {
  const prefixSegments = pathPrefix.split('/').slice(1);

  /** Whether `rest` (the path below the prefix, still percent-encoded) starts with the segment OAUTH_SEGMENT. */
  const isOAuth = (rest: string | undefined): boolean => {
    if (rest === undefined) return false;
    const slash = rest.indexOf('/');
    const first = slash === -1 ? rest : rest.slice(0, slash);
    if (first === OAUTH_SEGMENT) return true;
    if (!first.includes('%')) return false;
    // Escaped (`%6Fauth`), it is still the segment the app's router matches.
    try {
      return decodeURIComponent(first) === OAUTH_SEGMENT;
    } catch {
      return false;
    }
  };

  /** The target with `rest`, unless `rest` is the app's (OAUTH_SEGMENT). */
  const claimed = (path: string, authority: string | undefined, rest: string | undefined): ToolTarget | undefined =>
    isOAuth(rest) ? undefined : { path, authority, rest };

  /** `path` (normalised) read against the prefix: undefined when it lies outside it. */
  const below = (path: string, authority: string | undefined): ToolTarget | undefined => {
    if (path.startsWith(pathPrefix) && (path.length === pathPrefix.length || path[pathPrefix.length] === '/')) {
      const rest = path.length > pathPrefix.length ? path.slice(pathPrefix.length + 1) : undefined;
      return claimed(path, authority, rest);
    }
    if (!path.includes('%')) return undefined;
    // The prefix written with escapes (`/ap%69/…`) is still the prefix, as the app's router reads it.
    const segments = path.split('/').slice(1);
    if (segments.length < prefixSegments.length) return undefined;
    for (let i = 0; i < prefixSegments.length; i++) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segments[i]!);
      } catch {
        return undefined;
      }
      if (decoded !== prefixSegments[i]) return undefined;
    }
    const rest = segments.length > prefixSegments.length ? segments.slice(prefixSegments.length).join('/') : undefined;
    return claimed(path, authority, rest);
  };

  return function claim(method, target) {
    if (method !== 'POST') return undefined;
    if (target.startsWith('/')) {
      const query = target.indexOf('?');
      const path = query === -1 ? target : target.slice(0, query);
      if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) return below(path, undefined);
      if (path.includes('\\')) return unreadable(path, 'The request path holds a backslash');
      // Parsed after a base, not against one: "//x/.." would read as a host otherwise. Drops a fragment too.
      return below(new URL(`http://h${path}`).pathname, undefined);
    }
    if (!ABSOLUTE_FORM.test(target)) return unreadable(shown(target), 'The request target is neither a path nor an http(s) URL');
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return unreadable(shown(target), 'The request target is not a valid URL');
    }
    if (url.username !== '' || url.password !== '') return unreadable(url.pathname, 'The request target holds user information (user@host)');
    if (target.includes('\\')) return unreadable(url.pathname, 'The request target holds a backslash');
    return below(url.pathname, url.host);
  };
}
