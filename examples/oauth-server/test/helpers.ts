/**
 * Drives the example server over real HTTP the way an OAuth client would: register, authorize with PKCE,
 * exchange the code, refresh, revoke. Each helper returns raw responses where tests assert on them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer, type OAuthExampleServerOptions } from '../index.js';

/** A redirect URI nobody listens on: tests read the Location header instead of following it. */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const started: OAuthExampleServer[] = [];

/** Starts a server on 127.0.0.1 port 0 that is closed after the test. */
export async function startServer(options: OAuthExampleServerOptions = {}): Promise<OAuthExampleServer> {
  const server = await startOAuthExampleServer({ port: 0, ...options });
  started.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method?: string;
}

/** RFC 7591 registration of a public client (token_endpoint_auth_method none) unless overridden. */
export async function registerClient(server: OAuthExampleServer, metadata: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const res = await fetch(`${server.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Test client',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...metadata,
    }),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as RegisteredClient;
}

export interface AuthorizeParams {
  clientId: string;
  pkce?: Pkce | undefined;
  scope?: string;
  resource?: string;
  state?: string;
  /** Overrides or removes (undefined) individual query parameters. */
  extra?: Record<string, string | undefined>;
}

export function authorizeUrl(server: OAuthExampleServer, params: AuthorizeParams): string {
  const url = new URL(`${server.url}/authorize`);
  const query: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: params.pkce?.challenge,
    code_challenge_method: params.pkce ? 'S256' : undefined,
    scope: params.scope,
    resource: params.resource,
    state: params.state,
    ...params.extra,
  };
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  return url.href;
}

/** GET /authorize without following the redirect. */
export function getAuthorize(server: OAuthExampleServer, params: AuthorizeParams): Promise<Response> {
  return fetch(authorizeUrl(server, params), { redirect: 'manual' });
}

/** The query of a redirect response's Location, which must point at REDIRECT_URI. */
export function redirectParams(res: Response): URLSearchParams {
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`expected a redirect, got ${res.status}`);
  const url = new URL(location);
  if (`${url.origin}${url.pathname}` !== REDIRECT_URI) throw new Error(`redirected elsewhere: ${location}`);
  return url.searchParams;
}

/** Authorizes through auto-approve (the server must have it on) and returns the code. */
export async function authorizeCode(server: OAuthExampleServer, params: AuthorizeParams & { pkce: Pkce }): Promise<string> {
  const query = redirectParams(await getAuthorize(server, params));
  const code = query.get('code');
  if (!code) throw new Error(`no code: ${query.toString()}`);
  return code;
}

export interface TokenRequest {
  body: Record<string, string>;
  /** client_secret_basic credentials. */
  basic?: { id: string; secret: string };
}

export function postToken(server: OAuthExampleServer, request: TokenRequest, path = '/token'): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (request.basic) {
    const form = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${form(request.basic.id)}:${form(request.basic.secret)}`).toString('base64')}`;
  }
  return fetch(`${server.url}${path}`, { method: 'POST', headers, body: new URLSearchParams(request.body) });
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

/** Full flow for a public client: register, authorize (auto-approve), exchange. */
export async function obtainTokens(
  server: OAuthExampleServer,
  options: { scope?: string; resource?: string } = {},
): Promise<{ client: RegisteredClient; tokens: TokenResponse }> {
  const client = await registerClient(server);
  const pkce = createPkce();
  const code = await authorizeCode(server, { clientId: client.client_id, pkce, ...options });
  const res = await postToken(server, {
    body: {
      grant_type: 'authorization_code',
      code,
      code_verifier: pkce.verifier,
      redirect_uri: REDIRECT_URI,
      client_id: client.client_id,
      ...(options.resource ? { resource: options.resource } : {}),
    },
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${await res.text()}`);
  return { client, tokens: (await res.json()) as TokenResponse };
}

/** A JSON-RPC POST to /mcp (no session needed to reach the auth and scope checks). */
export function postMcp(server: OAuthExampleServer, body: unknown, token?: string): Promise<Response> {
  return fetch(server.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

export function toolCall(name: string, args: Record<string, unknown>): unknown {
  return { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } };
}
