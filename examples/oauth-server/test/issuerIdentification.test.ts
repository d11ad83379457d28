import { describe, expect, it } from 'vitest';
import { createPkce, getAuthorize, redirectParams, registerClient, startServer } from './helpers.js';

async function metadata(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
}

function consentRequestId(html: string): string {
  const match = /name="request_id" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no request_id in consent page');
  return match[1];
}

describe('issuer identification in authorization responses (RFC 9207)', () => {
  it('advertises authorization_response_iss_parameter_supported and names its metadata issuer in a code response', async () => {
    const server = await startServer({ autoApprove: true });
    const doc = await metadata(server.url);
    expect(doc.authorization_response_iss_parameter_supported).toBe(true);
    const client = await registerClient(server);
    const params = redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce: createPkce(), state: 's1' }));
    expect(params.get('code')).toBeTruthy();
    expect(params.get('iss')).toBe(doc.issuer);
    expect(params.get('iss')).toBe(server.issuer);
  });

  it('names itself in error responses too: a refused consent, a PKCE refusal, and an SDK-handled bad scope', async () => {
    const server = await startServer();
    const client = await registerClient(server);
    const page = await getAuthorize(server, { clientId: client.client_id, pkce: createPkce(), state: 's2' });
    const denied = await fetch(`${server.url}/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: consentRequestId(await page.text()), decision: 'deny' }),
      redirect: 'manual',
    });
    expect(Object.fromEntries(redirectParams(denied))).toMatchObject({ error: 'access_denied', state: 's2', iss: server.issuer });

    const noPkce = redirectParams(await getAuthorize(server, { clientId: client.client_id, state: 's3' }));
    expect(Object.fromEntries(noPkce)).toMatchObject({ error: 'invalid_request', state: 's3', iss: server.issuer });

    server.setAutoApprove(true);
    const badScope = redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce: createPkce(), scope: 'nope', state: 's4' }));
    expect(Object.fromEntries(badScope)).toMatchObject({ error: 'invalid_scope', iss: server.issuer });
  });

  it('sends another iss, or none, when a test tells it to misbehave, and the real one again afterwards', async () => {
    const server = await startServer({ autoApprove: true });
    const client = await registerClient(server);
    const authorize = async () => redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce: createPkce() }));

    server.setAuthorizationResponseIssuer('https://attacker.example/');
    expect((await authorize()).get('iss')).toBe('https://attacker.example/');
    server.setAuthorizationResponseIssuer(null);
    expect((await authorize()).has('iss')).toBe(false);
    server.setAuthorizationResponseIssuer(undefined);
    expect((await authorize()).get('iss')).toBe(server.issuer);
  });

  it('imitates a server that predates RFC 9207 with issuerIdentification false: no flag, no iss', async () => {
    const server = await startServer({ autoApprove: true, issuerIdentification: false });
    expect(await metadata(server.url)).not.toHaveProperty('authorization_response_iss_parameter_supported');
    const client = await registerClient(server);
    const params = redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce: createPkce() }));
    expect(params.get('code')).toBeTruthy();
    expect(params.has('iss')).toBe(false);
    server.setAuthorizationResponseIssuer('https://attacker.example/');
    const mixedUp = redirectParams(await getAuthorize(server, { clientId: client.client_id, pkce: createPkce() }));
    expect(mixedUp.get('iss')).toBe('https://attacker.example/');
  });
});
