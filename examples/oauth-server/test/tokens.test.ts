import { describe, expect, it, vi } from 'vitest';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  authorizeCode,
  createPkce,
  obtainTokens,
  postMcp,
  postToken,
  REDIRECT_URI,
  startServer,
  type TokenResponse,
} from './helpers.js';

const LIST = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

const STATIC_CLIENT: OAuthClientInformationFull = {
  client_id: 'static-confidential',
  client_secret: 's3cret:with/odd+chars',
  client_name: 'Static confidential client',
  redirect_uris: [REDIRECT_URI],
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
};

function refresh(server: Awaited<ReturnType<typeof startServer>>, clientId: string, refreshToken: string, extra: Record<string, string> = {}) {
  return postToken(server, { body: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra } });
}

/** A token is usable when /mcp gets past authentication (here: 400, no session, rather than 401). */
async function statusWith(server: Awaited<ReturnType<typeof startServer>>, token: string): Promise<number> {
  return (await postMcp(server, LIST, token)).status;
}

describe('refresh tokens', () => {
  it('rotates: the new pair works and the used refresh token is rejected afterwards', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    const res = await refresh(server, client.client_id, tokens.refresh_token);
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as TokenResponse;
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(rotated.access_token).not.toBe(tokens.access_token);
    expect(rotated.scope).toBe('tools:list tools:execute');
    expect(await statusWith(server, rotated.access_token)).toBe(400);

    const reuse = await refresh(server, client.client_id, tokens.refresh_token);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(server.stats()).toMatchObject({ refreshRequests: 2, authorizationCodeRequests: 1, tokenRequests: 3 });
  });

  it('treats reuse of a rotated refresh token as theft and ends the whole grant', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    const rotated = (await (await refresh(server, client.client_id, tokens.refresh_token)).json()) as TokenResponse;
    await refresh(server, client.client_id, tokens.refresh_token);
    expect((await refresh(server, client.client_id, rotated.refresh_token)).status).toBe(400);
    expect(await statusWith(server, rotated.access_token)).toBe(401);
  });

  it('may narrow the scope but not widen it', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    const wider = await refresh(server, client.client_id, tokens.refresh_token, { scope: 'tools:execute:finance' });
    expect(await wider.json()).toMatchObject({ error: 'invalid_scope' });
    const narrower = await refresh(server, client.client_id, tokens.refresh_token, { scope: 'tools:execute' });
    expect(((await narrower.json()) as TokenResponse).scope).toBe('tools:execute');
  });

  it('refuses a refresh token presented by another client', async () => {
    const server = await startServer({ autoApprove: true });
    const { tokens } = await obtainTokens(server);
    const other = await obtainTokens(server);
    expect((await refresh(server, other.client.client_id, tokens.refresh_token)).status).toBe(400);
  });
});

describe('expiry follows the injected clock', () => {
  it('rejects an access token after its lifetime and a refresh token after its own', async () => {
    let now = Date.UTC(2030, 0, 1);
    const server = await startServer({ autoApprove: true, now: () => now, accessTokenTtlSeconds: 5, refreshTokenTtlSeconds: 60 });
    const { client, tokens } = await obtainTokens(server);
    expect(tokens.expires_in).toBe(5);
    expect(await statusWith(server, tokens.access_token)).toBe(400);
    now += 5_000;
    const expired = await postMcp(server, LIST, tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const renewed = (await (await refresh(server, client.client_id, tokens.refresh_token)).json()) as TokenResponse;
    expect(await statusWith(server, renewed.access_token)).toBe(400);
    now += 60_000;
    expect((await refresh(server, client.client_id, renewed.refresh_token)).status).toBe(400);
  });
});

describe('revocation (RFC 7009)', () => {
  it('makes a revoked access token fail with 401', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    const res = await postToken(server, { body: { token: tokens.access_token, client_id: client.client_id } }, '/revoke');
    expect(res.status).toBe(200);
    expect(await statusWith(server, tokens.access_token)).toBe(401);
    expect((await refresh(server, client.client_id, tokens.refresh_token)).status).toBe(200);
  });

  it('revoking a refresh token also ends the access tokens of its grant', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    await postToken(server, { body: { token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: client.client_id } }, '/revoke');
    expect((await refresh(server, client.client_id, tokens.refresh_token)).status).toBe(400);
    expect(await statusWith(server, tokens.access_token)).toBe(401);
  });

  it('ignores a revocation of another client\'s token', async () => {
    const server = await startServer({ autoApprove: true });
    const victim = await obtainTokens(server);
    const other = await obtainTokens(server);
    const res = await postToken(server, { body: { token: victim.tokens.access_token, client_id: other.client.client_id } }, '/revoke');
    expect(res.status).toBe(200);
    expect(await statusWith(server, victim.tokens.access_token)).toBe(400);
  });

  it('revokes every token of a client through the test hook', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    expect(server.revokeClientTokens(client.client_id)).toBe(1);
    expect(await statusWith(server, tokens.access_token)).toBe(401);
    expect((await refresh(server, client.client_id, tokens.refresh_token)).status).toBe(400);
  });
});

describe('pre-registered confidential client', () => {
  async function codeFor(server: Awaited<ReturnType<typeof startServer>>) {
    const pkce = createPkce();
    const code = await authorizeCode(server, { clientId: STATIC_CLIENT.client_id, pkce });
    return { grant_type: 'authorization_code', code, code_verifier: pkce.verifier, redirect_uri: REDIRECT_URI };
  }

  it('exchanges a code with client_secret_basic', async () => {
    const server = await startServer({ autoApprove: true, clients: [STATIC_CLIENT] });
    const res = await postToken(server, { body: await codeFor(server), basic: { id: STATIC_CLIENT.client_id, secret: STATIC_CLIENT.client_secret ?? '' } });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as TokenResponse;
    expect(await statusWith(server, tokens.access_token)).toBe(400);
  });

  it('answers a wrong secret with 401 invalid_client and a Basic challenge', async () => {
    const server = await startServer({ autoApprove: true, clients: [STATIC_CLIENT] });
    const res = await postToken(server, { body: await codeFor(server), basic: { id: STATIC_CLIENT.client_id, secret: 'wrong' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses the secret in the body when the client is registered for client_secret_basic', async () => {
    const server = await startServer({ autoApprove: true, clients: [STATIC_CLIENT] });
    const body = { ...(await codeFor(server)), client_id: STATIC_CLIENT.client_id, client_secret: STATIC_CLIENT.client_secret ?? '' };
    const res = await postToken(server, { body });
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a request without any secret', async () => {
    const server = await startServer({ autoApprove: true, clients: [STATIC_CLIENT] });
    const res = await postToken(server, { body: { ...(await codeFor(server)), client_id: STATIC_CLIENT.client_id } });
    expect(res.status).toBe(401);
  });

  it('refuses invalid static client information at start', async () => {
    await expect(startServer({ clients: [{ client_id: 'x' } as OAuthClientInformationFull] })).rejects.toThrow(/clients\[0\]/);
  });
});

describe('token endpoint fault injection', () => {
  it('fails the next N token requests with 503 and Retry-After, then recovers', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    server.failNextTokenRequests(2, { retryAfterSeconds: 1 });
    for (let i = 0; i < 2; i++) {
      const res = await refresh(server, client.client_id, tokens.refresh_token);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    }
    expect((await refresh(server, client.client_id, tokens.refresh_token)).status).toBe(200);
    expect(server.stats().refreshRequests).toBe(3);
  });

  it('holds the next token answer while the request itself takes effect at once', async () => {
    const server = await startServer({ autoApprove: true });
    const { client, tokens } = await obtainTokens(server);
    let release!: () => void;
    server.delayNextTokenAnswers(1, new Promise<void>((resolve) => (release = resolve)));
    let answered = false;
    const late = refresh(server, client.client_id, tokens.refresh_token).then((res) => ((answered = true), res));
    await vi.waitFor(() => expect(server.stats().refreshRequests).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    // The refresh took effect already: the old refresh token is spent.
    expect((await refresh(server, client.client_id, tokens.refresh_token)).status).toBe(400);
    release();
    expect((await late).status).toBe(200);

    const other = await obtainTokens(server);
    server.delayNextTokenAnswers(1, 150);
    const started = performance.now();
    expect((await refresh(server, other.client.client_id, other.tokens.refresh_token)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
