/**
 * The public URL (`--public-url`, `publicUrl` in the config file): the address browsers and clients use to reach
 * mcpo, e.g. `https://tools.example.com/mcpo`. Documents' `servers`, the links mcpo prints and publishes, and the
 * OAuth redirect URI (`{publicUrl}/oauth/callback`) are built from it, never from request headers: a Host or
 * X-Forwarded-* header is whatever the client (or a proxy) says.
 *
 * Its path is where mcpo's routes appear to browsers, so it must be `--root-path` (what a proxy strips) followed by
 * `--path-prefix` (where mcpo mounts its routes). Given only the public URL, a proxy that strips its path is
 * assumed (root path = the URL's path), as nginx's `proxy_pass http://mcpo/;` does; given one of the two prefixes,
 * the other is what remains of the path; given both, they must add up to it, or mcpo refuses to start.
 */
import { UsageError } from '../errors.js';
import { joinPath, normalizePrefix } from './paths.js';

/** Where mcpo's routes are, as mcpo sees them and as browsers do. */
export interface PublicAddress {
  /** Normalized: origin + path, no trailing slash, no query. Undefined: no public URL given. */
  publicUrl?: string;
  /** Normalized ('' or '/x'). */
  rootPath: string;
  /** Normalized ('' or '/x'). */
  pathPrefix: string;
}

export interface PublicAddressOptions {
  publicUrl?: string;
  rootPath?: string;
  pathPrefix?: string;
  /** How each option is named in messages (a flag, or the MCPO_* variable that set it). Default the flag names. */
  names?: Partial<Record<'publicUrl' | 'rootPath' | 'pathPrefix', string>>;
}

/**
 * Validates the public URL (absolute http(s), no user:password, query or fragment) and returns it without a
 * trailing slash. Throws UsageError naming `name`.
 */
export function parsePublicUrl(value: string, name = '--public-url'): URL {
  const problem = (why: string): UsageError => new UsageError(`${name} ${why}, got ${JSON.stringify(value)} (e.g. https://tools.example.com/mcpo)`);
  if (!URL.canParse(value.trim())) throw problem('must be an absolute http:// or https:// URL');
  const url = new URL(value.trim());
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem('must be an absolute http:// or https:// URL');
  if (url.username || url.password) throw problem('must not contain a user name or password');
  if (url.search || url.hash || value.includes('?') || value.includes('#')) throw problem('must not have a query or fragment');
  return url;
}

/** Resolves the three options into one consistent address; UsageError when they contradict each other. */
export function resolvePublicAddress(options: PublicAddressOptions): PublicAddress {
  const names = { publicUrl: '--public-url', rootPath: '--root-path', pathPrefix: '--path-prefix', ...options.names };
  const rootPath = normalizePrefix(options.rootPath || undefined, names.rootPath);
  const pathPrefix = normalizePrefix(options.pathPrefix || undefined, names.pathPrefix);
  if (options.publicUrl === undefined || options.publicUrl === '') return { rootPath, pathPrefix };
  const url = parsePublicUrl(options.publicUrl, names.publicUrl);
  const path = normalizePrefix(url.pathname, names.publicUrl);
  const publicUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const mismatch = (what: string): UsageError =>
    new UsageError(
      `${names.publicUrl} ${publicUrl} has the path "${path || '/'}", but ${what}: browsers would not find mcpo's pages there. ` +
        `The path must be ${names.rootPath} (what the proxy strips) followed by ${names.pathPrefix} (where mcpo serves its routes); leave either out and mcpo derives it`,
    );
  if (rootPath !== '' && pathPrefix !== '') {
    if (joinPath(rootPath, pathPrefix) !== (path || '/')) throw mismatch(`${names.rootPath} ${rootPath} and ${names.pathPrefix} ${pathPrefix} make "${joinPath(rootPath, pathPrefix)}"`);
    return { publicUrl, rootPath, pathPrefix };
  }
  if (pathPrefix !== '') {
    if (!endsWithSegments(path, pathPrefix)) throw mismatch(`it does not end with ${names.pathPrefix} ${pathPrefix}`);
    return { publicUrl, rootPath: path.slice(0, path.length - pathPrefix.length), pathPrefix };
  }
  if (rootPath !== '') {
    if (!startsWithSegments(path, rootPath)) throw mismatch(`it does not start with ${names.rootPath} ${rootPath}`);
    return { publicUrl, rootPath, pathPrefix: path.slice(rootPath.length) };
  }
  return { publicUrl, rootPath: path, pathPrefix: '' };
}

function startsWithSegments(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function endsWithSegments(path: string, suffix: string): boolean {
  // `suffix` starts with "/", so a path ending with it ends with whole segments of it.
  return path.endsWith(suffix);
}

/**
 * The base URL mcpo's links start with: the public URL, else the listening URL (a wildcard address replaced by
 * the loopback one, which at least this machine's browser reaches) followed by root path and path prefix.
 */
export function linkBase(address: PublicAddress, listeningUrl: string): string {
  if (address.publicUrl !== undefined) return address.publicUrl;
  const url = new URL(listeningUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  const path = joinPath(address.rootPath, address.pathPrefix);
  return `${url.origin}${path === '/' ? '' : path}`;
}
