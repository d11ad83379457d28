import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { REDIRECT_URI, redirectParams, startServer } from './helpers.js';

/** The smallest in-memory OAuthClientProvider: it records authorization URLs instead of opening a browser. */
class RecordingProvider implements OAuthClientProvider {
  readonly authorizationUrls: URL[] = [];
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  #verifier = '';
  constructor(
    readonly clientMetadata: OAuthClientMetadata,
    private readonly options: { keepRefreshToken: boolean } = { keepRefreshToken: true },
  ) {}
  get redirectUrl(): string {
    return REDIRECT_URI;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    const { refresh_token: _dropped, ...withoutRefresh } = tokens;
    this.saved = this.options.keepRefreshToken ? tokens : withoutRefresh;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
}

/** What the user's browser does with auto-approve on: follow the authorization URL, read the code. */
async function browserApproves(url: URL): Promise<string> {
  const code = redirectParams(await fetch(url, { redirect: 'manual' })).get('code');
  if (!code) throw new Error('no code');
  return code;
}

/**
 * Resolves once the client's standalone GET stream is open. Without waiting, a test that advances the clock
 * right after connect makes that GET and the next POST both meet an expired token; the SDK client then
 * refreshes twice with one refresh token, and the server's reuse detection (OAuth 2.1 §4.3.1) ends the grant.
 */
function fetchNoticingGetStream(): { fetch: typeof fetch; getStreamOpen: Promise<void> } {
  let opened!: () => void;
  const getStreamOpen = new Promise<void>((resolve) => (opened = resolve));
  return {
    getStreamOpen,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'GET' && res.status === 200) opened();
      return res;
    },
  };
}

async function authorizeAndConnect(
  mcpUrl: string,
  provider: RecordingProvider,
  fetchFn: typeof fetch = fetch,
): Promise<Client> {
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  await expect(new Client({ name: 'sdk-oauth', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  const url = provider.authorizationUrls.at(-1);
  if (!url) throw new Error('the client never redirected');
  await first.finishAuth(await browserApproves(url));
  const client = new Client({ name: 'sdk-oauth', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, fetch: fetchFn }));
  return client;
}

describe('the MCP SDK OAuth client against this server', () => {
  it('discovers, registers, authorizes with PKCE for the baseline scopes and the /mcp resource, then calls tools', async () => {
    const server = await startServer({ autoApprove: true });
    const provider = new RecordingProvider({
      client_name: 'SDK client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    const client = await authorizeAndConnect(server.mcpUrl, provider);
    const url = provider.authorizationUrls[0];
    expect(url?.searchParams.get('scope')).toBe('tools:list tools:execute');
    expect(url?.searchParams.get('resource')).toBe(server.mcpUrl);
    expect(url?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(provider.saved?.scope).toBe('tools:list tools:execute');
    // A registration without an auth method gets a secret (RFC 7591 default client_secret_basic).
    expect(provider.client).toMatchObject({ client_secret: expect.any(String) });
    expect((await client.callTool({ name: 'echo', arguments: { message: 'via oauth' } })).structuredContent).toEqual({ message: 'via oauth' });
    await client.close();
  });

  it('refreshes by itself when the access token expired', async () => {
    let now = Date.UTC(2030, 0, 1);
    const server = await startServer({ autoApprove: true, accessTokenTtlSeconds: 5, now: () => now });
    const provider = new RecordingProvider({ client_name: 'SDK client', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' });
    const noticing = fetchNoticingGetStream();
    const client = await authorizeAndConnect(server.mcpUrl, provider, noticing.fetch);
    await noticing.getStreamOpen;
    const firstAccess = provider.saved?.access_token;
    now += 6_000;
    expect((await client.callTool({ name: 'sum', arguments: { a: 1, b: 2 } })).structuredContent).toEqual({ result: 3 });
    expect(provider.saved?.access_token).not.toBe(firstAccess);
    expect(server.stats().refreshRequests).toBe(1);
    await client.close();
  });

  it('steps up to the finance scope: 403 challenge, new authorization for the wider scope, then stock_price works', async () => {
    const server = await startServer({ autoApprove: true });
    // Without a refresh token the SDK client answers a 403 challenge with a new authorization. With one, SDK 1.x
    // refreshes instead, gets the old scopes back and gives up (typescript-sdk issue #2255).
    const provider = new RecordingProvider(
      { client_name: 'SDK client', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' },
      { keepRefreshToken: false },
    );
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider });
    await expect(new Client({ name: 'sdk-oauth', version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    await transport.finishAuth(await browserApproves(provider.authorizationUrls[0] as URL));
    const client = new Client({ name: 'sdk-oauth', version: '1.0.0' });
    const connected = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider });
    await client.connect(connected);

    await expect(client.callTool({ name: 'stock_price', arguments: { symbol: 'AAPL' } })).rejects.toBeInstanceOf(UnauthorizedError);
    const stepUp = provider.authorizationUrls[1];
    expect(stepUp?.searchParams.get('scope')).toBe('tools:list tools:execute tools:execute:finance');
    await connected.finishAuth(await browserApproves(stepUp as URL));
    expect(provider.saved?.scope).toBe('tools:list tools:execute tools:execute:finance');
    expect((await client.callTool({ name: 'stock_price', arguments: { symbol: 'AAPL' } })).structuredContent).toMatchObject({ price: 189.84 });
    expect((await client.listTools()).tools).toHaveLength(4);
    await client.close();
  });
});
