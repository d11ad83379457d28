/** URL rules shared by the config schemas. */

/** The URL when `text` is an absolute http:// or https:// URL with a host; otherwise undefined. */
export function parseHttpUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url : undefined;
}

/** See parseHttpUrl. */
export function isHttpUrl(text: string): boolean {
  return parseHttpUrl(text) !== undefined;
}

/**
 * Whether `text` carries a user name or password (`https://user:pass@host/`). fetch refuses such URLs,
 * and the URL would show the password wherever it is printed (logs, /healthz, error messages).
 */
export function hasUrlCredentials(text: string): boolean {
  const url = parseHttpUrl(text);
  return url !== undefined && (url.username !== '' || url.password !== '');
}

/** Any absolute URL (redirect URIs may use a custom scheme). */
export function isAbsoluteUrl(text: string): boolean {
  return URL.canParse(text);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** localhost, 127.0.0.1 or [::1]: hosts where plain http is acceptable for development. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * A Client ID Metadata Document URL: https with a path (the MCP authorization spec requires both,
 * because the URL itself becomes the client_id), or http on a loopback host for local development.
 */
export function isClientMetadataUrl(text: string): boolean {
  const url = parseHttpUrl(text);
  if (!url || url.pathname === '/' || url.pathname === '') return false;
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}
