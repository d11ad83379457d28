import { describe, expect, it } from 'vitest';
import {
  authorizeCode,
  createPkce,
  getAuthorize,
  postToken,
  REDIRECT_URI,
  redirectParams,
  registerClient,
  startServer,
  type TokenResponse,
} from './helpers.js';

/** The consent form's hidden request id, read from the page the way a browser would submit it. */
function consentRequestId(html: string): string {
  const match = /name="request_id" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no request_id in consent page');
  return match[1];
}

function postConsent(url: string, requestId: string, decision: string): Promise<Response> {
  return fetch(`${url}/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request_id: requestId, decision }),
    redirect: 'manual',
  });
}

describe('dynamic client registration', () => {
  it('registers a public client and returns its id without a secret', async () => {
    const server = await startServer();
    const client = await registerClient(server);
    expect(client.client_id).toMatch(/.+/);
    expect(client.client_secret).toBeUndefined();
    expect(server.stats().registrations).toBe(1);
  });

  it('gives a confidential client a secret', async () => {
    const server = await startServer();
    const client = await registerClient(server, { token_endpoint_auth_method: 'client_secret_basic' });
    expect(client.client_secret).toMatch(/.{32,}/);
  });

  it('rejects registration without redirect URIs', async () => {
    const server = await startServer();
    const res = await fetch(`${server.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });
});

describe('authorization code flow with PKCE', () => {
  it('issues tokens for a code obtained through auto-approve and the matching verifier', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const pkce = createPkce();
    const query = redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce, state: 'xyz', resource: server.mcpUrl }));
    expect(query.get('state')).toBe('xyz');
    const res = await postToken(server, {
      body: {
        grant_type: 'authorization_code',
        code: query.get('code') ?? '',
        code_verifier: pkce.verifier,
        redirect_uri: REDIRECT_URI,
        client_id: client.client_id,
        resource: server.mcpUrl,
      },
    });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as TokenResponse;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'tools:list tools:execute' });
    expect(tokens.access_token).not.toBe(tokens.refresh_token);
  });

  it('shows a consent page naming the client and the scopes in words, and approving it yields a working code', async () => {
    const server = await startServer();
    const client = await registerClient(server, { client_name: 'Consent <Tester>' });
    const pkce = createPkce();
    const page = await getAuthorize(server, { clientId: client.client_id, pkce, scope: 'tools:list tools:execute:finance tools:execute', state: 's1' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('Consent &lt;Tester&gt;');
    expect(html).not.toContain('Consent <Tester>');
    expect(html).toContain('list the tools this server offers');
    expect(html).toContain('call the stock_price tool');
    expect(html).toMatch(/<button[^>]*value="approve"[^>]*>Approve<\/button>/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);

    const query = redirectParams(await postConsent(server.url, consentRequestId(html), 'approve'));
    expect(query.get('state')).toBe('s1');
    const res = await postToken(server, {
      body: { grant_type: 'authorization_code', code: query.get('code') ?? '', code_verifier: pkce.verifier, client_id: client.client_id },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as TokenResponse).scope).toBe('tools:list tools:execute:finance tools:execute');
  });

  it('redirects with access_denied and the state when the user denies, and the consent id cannot be reused', async () => {
    const server = await startServer();
    const client = await registerClient(server);
    const html = await (await getAuthorize(server, { clientId: client.client_id, pkce: createPkce(), state: 'keep-me' })).text();
    const requestId = consentRequestId(html);
    const query = redirectParams(await postConsent(server.url, requestId, 'deny'));
    expect(query.get('error')).toBe('access_denied');
    expect(query.get('state')).toBe('keep-me');
    expect(query.get('code')).toBeNull();
    expect((await postConsent(server.url, requestId, 'approve')).status).toBe(400);
  });

  it('refuses a consent answer with an unknown request id', async () => {
    const server = await startServer();
    const res = await postConsent(server.url, 'forged', 'approve');
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('rejects an authorization request without a code challenge', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const query = redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce: undefined, state: 'st' }));
    expect(query.get('error')).toBe('invalid_request');
    expect(query.get('code')).toBeNull();
    expect(query.get('state')).toBe('st');
  });

  it('rejects the plain PKCE method', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const pkce = createPkce();
    const res = await getAuthorize(server, {
      clientId: client.client_id,
      extra: { code_challenge: pkce.verifier, code_challenge_method: 'plain' },
    });
    expect(redirectParams(res).get('error')).toBe('invalid_request');
  });

  it('refuses the token exchange when the code verifier does not match', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const code = await authorizeCode(server, { clientId: client.client_id, pkce: createPkce() });
    const res = await postToken(server, {
      body: { grant_type: 'authorization_code', code, code_verifier: createPkce().verifier, client_id: client.client_id },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('accepts a code once; replaying it fails and revokes the tokens it produced', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const pkce = createPkce();
    const code = await authorizeCode(server, { clientId: client.client_id, pkce });
    const body = { grant_type: 'authorization_code', code, code_verifier: pkce.verifier, client_id: client.client_id };
    const first = (await (await postToken(server, { body })).json()) as TokenResponse;
    const replay = await postToken(server, { body });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    const refresh = await postToken(server, {
      body: { grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: client.client_id },
    });
    expect(refresh.status).toBe(400);
  });

  it('refuses a code presented by another client', async () => {
    const server = await startServer({ autoApprove: true });
    const owner = await registerClient(server);
    const thief = await registerClient(server);
    const pkce = createPkce();
    const code = await authorizeCode(server, { clientId: owner.client_id, pkce });
    const res = await postToken(server, {
      body: { grant_type: 'authorization_code', code, code_verifier: pkce.verifier, client_id: thief.client_id },
    });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('redirects with invalid_scope for a scope the server does not know', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const res = await getAuthorize(server, { clientId: client.client_id, pkce: createPkce(), scope: 'tools:list admin' });
    expect(redirectParams(res).get('error')).toBe('invalid_scope');
  });

  it('redirects with invalid_target for a resource this server does not serve', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const res = await getAuthorize(server, { clientId: client.client_id, pkce: createPkce(), resource: 'https://elsewhere.example/mcp' });
    expect(redirectParams(res).get('error')).toBe('invalid_target');
  });

  it('answers an unregistered redirect URI directly instead of redirecting to it', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const res = await getAuthorize(server, { clientId: client.client_id, pkce: createPkce(), extra: { redirect_uri: 'https://attacker.example/cb' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('switches between consent page and auto-approve through the test hook', async () => {
    const server = await startServer();
    const client = await registerClient(server);
    expect((await getAuthorize(server, { clientId: client.client_id, pkce: createPkce() })).status).toBe(200);
    server.setAutoApprove(true);
    expect(redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce: createPkce() })).get('code')).toMatch(/.+/);
  });
});
