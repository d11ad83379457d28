/**
 * Who may use the connections page, and which of its POSTs are the page's own. Connect binds the browser that
 * clicks it to a login, so whoever clicks it decides which account mcpo acts with for everyone; Disconnect ends it.
 *
 * - With an API key, the page and its actions need it. A browser gives it as the Basic password: the 401 offers
 *   Basic first, so the browser asks for it (any user name).
 * - Without a key, only clients on this machine, unless a public URL says mcpo is a service others reach: then,
 *   as for the tools themselves, whoever reaches mcpo may use it (the start-up warning says to set a key).
 *   Listening on 0.0.0.0 without a key and without a public URL, a stranger on the network could otherwise
 *   connect mcpo to their own account, and every caller's tool calls would go to it.
 * - The client's address is the socket's. A request from a loopback peer that carries Forwarded, X-Forwarded-*
 *   or X-Real-IP came through a proxy, and is not taken for a local one. Only from a peer listed in
 *   --forwarded-allow-ips are X-Forwarded-For (the client) and X-Forwarded-Proto/-Host (the origin) believed; such
 *   a request whose X-Forwarded-For names no client address (missing, empty, not an IP) is not a local one either.
 * - A POST must be the page's own: Sec-Fetch-Site `same-origin` when the browser sends it, an Origin equal to
 *   mcpo's (the public URL's, else the request's own) when it sends one, and the page's token, compared in
 *   constant time, in every case (for browsers that send neither header).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Context } from 'hono';
import { McpoError } from '../errors.js';
import type { ApiKeyCheck } from './auth.js';

export interface OAuthAccessOptions {
  /** The API-key check, when mcpo has a key. */
  apiKey: ApiKeyCheck | undefined;
  /** The public URL, when given. */
  publicUrl: string | undefined;
  /** Proxies whose X-Forwarded-* headers are believed; '*': any peer. Default: none. */
  forwardedAllowIps?: readonly string[] | '*';
}

export interface OAuthAccess {
  /** The page's token (random per process): its forms send it back. */
  readonly token: string;
  /** Undefined when the request may see the page and use its actions; else the error to answer with. */
  refused(c: Context): McpoError | undefined;
  /** Undefined when a POST is the page's own (`formToken` is the token it sent); else the error. */
  crossSite(c: Context, formToken: string | undefined): McpoError | undefined;
}

/** Headers a proxy adds: a request carrying any of them came through one. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'];

/** The address without IPv4-in-IPv6 mapping, lower case. */
function plainAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function oauthAccess(options: OAuthAccessOptions): OAuthAccess {
  const token = randomBytes(32).toString('base64url');
  const expectedToken = digest(token);
  const trusted = options.forwardedAllowIps;
  const isTrusted = (address: string): boolean => trusted === '*' || (trusted?.includes(address) ?? false);
  const publicOrigin = options.publicUrl === undefined ? undefined : new URL(options.publicUrl).origin;

  /** The socket's peer, undefined without a socket (app.request() in tests). */
  const peerOf = (c: Context): string | undefined => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const address = incoming?.socket?.remoteAddress;
    return address === undefined ? undefined : plainAddress(address);
  };

  /** The client's address as far as it can be told, and whether it came through an untrusted proxy. */
  const clientOf = (c: Context): { address: string | undefined; proxied: boolean } => {
    const peer = peerOf(c);
    const viaProxy = PROXY_HEADERS.some((name) => c.req.header(name) !== undefined);
    if (peer === undefined || !isTrusted(peer) || !viaProxy) return { address: peer, proxied: viaProxy };
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => plainAddress(hop.trim())).filter(Boolean);
    // The nearest hop a trusted proxy did not add is the client (the ones before it could be made up by anyone).
    const client = [...hops].reverse().find((hop) => !isTrusted(hop)) ?? hops[0];
    // The proxy did not say who its client is (no X-Forwarded-For, or not an address): not the proxy's own machine.
    if (client === undefined || isIP(client) === 0) return { address: undefined, proxied: true };
    return { address: client, proxied: false };
  };

  /** The origin the browser used: the public URL's, else the request's own (believing a trusted proxy). */
  const originOf = (c: Context): string => {
    if (publicOrigin !== undefined) return publicOrigin;
    const url = new URL(c.req.url);
    const peer = peerOf(c);
    if (peer !== undefined && isTrusted(peer)) {
      const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
      const host = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
      if (proto === 'http' || proto === 'https') url.protocol = `${proto}:`;
      if (host) url.host = host;
    }
    return url.origin;
  };

  return {
    token,
    refused(c) {
      // Only browsers use the page, and its form POSTs too: offer Basic so the browser asks for the key.
      if (options.apiKey) return options.apiKey((name) => c.req.header(name), { asPage: true });
      if (options.publicUrl !== undefined) return undefined;
      const client = clientOf(c);
      if (client.address !== undefined && isLoopback(client.address) && !client.proxied) return undefined;
      const why = client.proxied ? 'this request came through a proxy' : `this request comes from ${client.address ?? 'an unknown address'}`;
      return new McpoError(
        'FORBIDDEN',
        `The connections page is served only to this machine when mcpo has neither an API key nor a public URL, and ${why}. ` +
          'Open it on the machine mcpo runs on, or start mcpo with --api-key (the browser then asks for it) or --public-url',
      );
    },
    crossSite(c, formToken) {
      const site = c.req.header('Sec-Fetch-Site');
      if (site !== undefined && site !== 'same-origin') return forbidden(`a ${site} request cannot use the connections page's buttons`);
      const origin = c.req.header('Origin');
      if (origin !== undefined && origin !== originOf(c)) return forbidden(`a request from ${origin.slice(0, 100)} cannot use the connections page's buttons`);
      if (formToken === undefined || !timingSafeEqual(digest(formToken), expectedToken)) {
        return forbidden('the form did not come from this mcpo\'s connections page (or the page is from before mcpo restarted): reload the page and try again');
      }
      return undefined;
    },
  };
}

function forbidden(message: string): McpoError {
  return new McpoError('FORBIDDEN', `Refused: ${message}`);
}
