/**
 * Where token files live and how they are named.
 *
 *   <mcpoHome>/tokens/<sha256(canonicalServerUrl + "\n" + clientIdentity)>.json                  the operator's
 *   <mcpoHome>/tokens/<sha256(canonicalServerUrl + "\n" + clientIdentity + "\nuser\n" + user)>.json   a user's (per-user servers)
 *
 * The name is a hash so that neither the URL nor the client id leaks through a directory listing,
 * and so that any URL (ports, paths, queries) maps to a safe file name. The same goes for user names: any name is
 * safe in the hash, and no directory listing says who connected what. The operator's names are those of before
 * users existed, so tokens saved then are still found.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InvalidServerUrlError } from '../errors.js';

/** Environment variable that overrides the mcpo home folder. */
export const MCPO_HOME_ENV = 'MCPO_HOME';
/** Folder under the user's home used when MCPO_HOME is unset. */
export const DEFAULT_MCPO_HOME_DIRNAME = '.mcpo';
/** Sub-folder of the mcpo home that holds token files. */
export const TOKENS_DIRNAME = 'tokens';

/**
 * The mcpo home folder: `MCPO_HOME` when set and non-empty (a leading `~/` is expanded with `homedir`),
 * else `<homedir>/.mcpo`. Pure: the environment and home folder are passed in.
 */
export function resolveMcpoHome(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const configured = env[MCPO_HOME_ENV]?.trim();
  if (configured) {
    if (configured === '~') return homedir;
    if (configured.startsWith('~/')) return path.join(homedir, configured.slice(2));
    return configured;
  }
  return path.join(homedir, DEFAULT_MCPO_HOME_DIRNAME);
}

/** `<mcpoHome>/tokens`. */
export function tokensDir(mcpoHome: string): string {
  return path.join(mcpoHome, TOKENS_DIRNAME);
}

/**
 * The canonical form of an MCP server URL, used to key its token file. Rules:
 * - only absolute http: and https: URLs are accepted (InvalidServerUrlError otherwise);
 * - scheme and host are lower-cased and IDNs punycoded (WHATWG URL parsing does both);
 * - the scheme's default port (80 for http, 443 for https) is dropped;
 * - user name and password are dropped, so credentials never reach the hash input or the file;
 * - the fragment is dropped;
 * - trailing slashes of the path are removed, so `https://h/mcp/` = `https://h/mcp` and
 *   `https://h/` = `https://h` (the MCP spec's canonical resource form, without trailing slash);
 * - the query is kept as written (it may select a tenant), percent-encoding normalized by URL parsing.
 */
export function canonicalServerUrl(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch (err) {
    throw new InvalidServerUrlError(err);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidServerUrlError();
  const pathname = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${pathname}${url.search}`;
}

/**
 * Token file name for a server, client identity and (per-user servers) user: SHA-256 hex of
 * `canonicalServerUrl + "\n" + clientIdentity`, followed by `"\nuser\n" + user` for a user, plus ".json".
 */
export function tokenFileName(serverUrl: string, clientIdentity: string, user?: string): string {
  const input = `${canonicalServerUrl(serverUrl)}\n${clientIdentity}${user === undefined ? '' : `\nuser\n${user}`}`;
  return `${createHash('sha256').update(input, 'utf8').digest('hex')}.json`;
}
