/**
 * Who can call the tools of an mcpo started without an API key, said once at start-up. Listening beyond loopback,
 * the Host allow-list accepts any name (it must: containers are reached by service names mcpo cannot know), so
 * every tool is open to the network and, through DNS rebinding, to any web page the user visits (issue #14).
 */

export interface ExposureOptions {
  /** The address listened on. */
  host: string;
  port: number;
  apiKey?: string;
  /** As RunOptions.allowedHosts: undefined = the default for `host`. */
  allowedHosts?: readonly string[] | '*';
}

/** 127.x.x.x, ::1 or localhost: only this machine can connect. */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The one warning line for an mcpo others can call without a key, or undefined when it needs none. */
export function exposureWarning(options: ExposureOptions): string | undefined {
  if (options.apiKey !== undefined) return undefined;
  const loopback = isLoopbackAddress(options.host);
  // Without a list, a non-loopback listener accepts any Host; '*' says so on purpose.
  const anyHost = options.allowedHosts === '*' || (options.allowedHosts === undefined && !loopback);
  if (loopback && !anyHost) return undefined;
  const who = loopback ? 'any web page the user visits can call every tool' : `anyone who can reach port ${options.port} can call every tool`;
  const rebinding = anyHost ? `${loopback ? ' ' : ', and so can any web page the user visits, '}through DNS rebinding (any Host name is accepted)` : '';
  const fixes = anyHost ? 'set --api-key (or MCPO_API_KEY), and --allowed-hosts to the names mcpo is reached by' : 'set --api-key (or MCPO_API_KEY)';
  return `listening on ${options.host} without an API key: ${who}${rebinding}; to close it, ${fixes}`;
}

/**
 * Trusting every peer's X-Forwarded-For without an API key: the connections page is served to loopback clients, and
 * any client can then say it is one (X-Forwarded-For: 127.0.0.1). Undefined when that is not the case.
 */
export function forwardedTrustWarning(options: { forwardedAllowIps: readonly string[] | '*' | undefined; apiKey: string | undefined }): string | undefined {
  if (options.forwardedAllowIps !== '*' || options.apiKey !== undefined) return undefined;
  return "--forwarded-allow-ips * without an API key: any client can send X-Forwarded-For: 127.0.0.1 and be taken for this machine by the connections page; list the proxy's addresses instead, or set --api-key";
}
