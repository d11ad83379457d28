/**
 * RFC 9207 (authorization server issuer identification) through the real flow: mcpo talks to several
 * authorization servers, which is the mix-up attack setting. An authorization response whose `iss` is not
 * the issuer of the metadata this flow used, or that lacks `iss` although the server advertises
 * authorization_response_iss_parameter_supported, is refused and its code never exchanged.
 */
import { describe, expect, it, vi } from 'vitest';
import type { OAuthExampleServer } from '../../../examples/oauth-server/index.js';
import { McpoError } from '../../../src/errors.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity, type OAuthEntry } from '../../../src/oauth/setup.js';
import type { OpenBrowser } from '../../../src/oauth/prompts.js';
import { CookieJar, fetchBrowser, idleBrowser, oauthEntry, oauthSupport, startServer, tempHome, type Terminal } from './harness.js';

const ATTACKER = 'https://attacker.example/';

/** Runs one authorization through ServerAuth; resolves with its outcome (never rejects). */
async function authorizeOnce(server: OAuthExampleServer, openBrowser: OpenBrowser, oauth: Partial<OAuthEntry['oauth']> = {}) {
  const home = await tempHome();
  const entry = oauthEntry(server.mcpUrl, {}, oauth);
  const { support, term } = oauthSupport(home, openBrowser);
  const outcome = support.forEntry(entry)!.authorize({ reason: 'test' }).then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const saved = async () => new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) }).load();
  return { outcome, term, saved };
}

/** A browser on which the user clicks Deny on the consent page (the server redirects back with access_denied). */
function denyingBrowser(): OpenBrowser {
  return async (url: string) => {
    const jar = new CookieJar(); // mcpo's login link binds this browser, the callback checks it
    const page = await (await jar.fetch(url)).text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const res = await fetch(new URL('/consent', jar.visited.at(-1)), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId, decision: 'deny' }),
    });
    await res.text();
    await (await jar.fetch(res.headers.get('location')!)).text();
  };
}

/** Awaits a flow that must end refused for its issuer (RFC 9207); returns the error. */
async function expectIssuerRefusal(outcome: Promise<{ ok: true } | { ok: false; error: unknown }>): Promise<McpoError> {
  const ended = await outcome;
  expect(ended.ok).toBe(false);
  const error = ended.ok ? undefined : ended.error;
  expect(error).toBeInstanceOf(McpoError);
  expect(error).toMatchObject({ code: 'OAUTH_ERROR', reason: 'issuer_response_mismatch' });
  return error as McpoError;
}

/** The authorization URL the paste flow printed on its own line. */
async function printedUrl(term: Terminal, server: OAuthExampleServer): Promise<string> {
  let url = '';
  await vi.waitFor(() => {
    url = term.text().split('\n').find((line) => line.startsWith(`${server.url}/authorize`)) ?? '';
    expect(url).not.toBe('');
  }, { timeout: 10_000 });
  return url;
}

describe('issuer identification on the loopback callback (RFC 9207)', () => {
  it('accepts a callback whose iss is the metadata issuer and saves the tokens', async () => {
    const server = await startServer();
    const run = await authorizeOnce(server, fetchBrowser());
    expect(await run.outcome).toEqual({ ok: true });
    expect((await run.saved())?.tokens?.access_token).toBeDefined();
  });

  it('refuses a callback naming another issuer and never exchanges its code', async () => {
    const server = await startServer();
    server.setAuthorizationResponseIssuer(ATTACKER);
    const run = await authorizeOnce(server, fetchBrowser());
    const error = await expectIssuerRefusal(run.outcome);
    expect(error.message).toContain(ATTACKER);
    expect(error.message).toContain(server.issuer);
    expect(server.stats().authorizationCodeRequests).toBe(0);
    expect((await run.saved())?.tokens).toBeUndefined();
  });

  it('refuses a callback without iss from a server that advertises authorization_response_iss_parameter_supported', async () => {
    const server = await startServer();
    server.setAuthorizationResponseIssuer(null);
    const run = await authorizeOnce(server, fetchBrowser());
    await expectIssuerRefusal(run.outcome);
    expect(server.stats().authorizationCodeRequests).toBe(0);
  });

  it('does not trust an error response naming another issuer: it is reported as the mix-up, not as access_denied', async () => {
    const server = await startServer({ autoApprove: false });
    server.setAuthorizationResponseIssuer(ATTACKER);
    const run = await authorizeOnce(server, denyingBrowser());
    await expectIssuerRefusal(run.outcome);
  });

  it('still authorizes against a server that predates RFC 9207 (no flag, no iss)', async () => {
    const server = await startServer({ issuerIdentification: false });
    const run = await authorizeOnce(server, fetchBrowser());
    expect(await run.outcome).toEqual({ ok: true });
    expect(server.stats().authorizationCodeRequests).toBe(1);
  });

  it('refuses a wrong iss even from a server that does not advertise RFC 9207', async () => {
    const server = await startServer({ issuerIdentification: false });
    server.setAuthorizationResponseIssuer(ATTACKER);
    const run = await authorizeOnce(server, fetchBrowser());
    await expectIssuerRefusal(run.outcome);
    expect(server.stats().authorizationCodeRequests).toBe(0);
  });
});

describe('issuer identification in the paste flow (RFC 9207)', () => {
  it.each([
    ['names another issuer', ATTACKER],
    ['lacks the iss the server promised', null],
  ] as const)('ends the flow when the pasted URL %s, without exchanging the code', async (_case, issuer) => {
    const server = await startServer();
    const run = await authorizeOnce(server, idleBrowser(), { useLoopback: false });
    const url = await printedUrl(run.term, server);
    server.setAuthorizationResponseIssuer(issuer);
    const approved = await fetch(url, { redirect: 'manual' });
    run.term.input.write(`${approved.headers.get('location')}\n`);
    await expectIssuerRefusal(run.outcome);
    expect(server.stats().authorizationCodeRequests).toBe(0);
  });

  it('asks for the full URL instead of a bare code when the server names itself, then accepts the URL', async () => {
    const server = await startServer();
    const run = await authorizeOnce(server, idleBrowser(), { useLoopback: false });
    const url = await printedUrl(run.term, server);
    const location = (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
    run.term.input.write(`${new URL(location).searchParams.get('code')}\n`);
    await vi.waitFor(() => expect(run.term.text()).toContain('paste the full URL'), { timeout: 10_000 });
    expect(server.stats().authorizationCodeRequests).toBe(0);
    run.term.input.write(`${location}\n`);
    expect(await run.outcome).toEqual({ ok: true });
    expect(server.stats().authorizationCodeRequests).toBe(1);
  });

  it('still accepts a bare code from a server that predates RFC 9207', async () => {
    const server = await startServer({ issuerIdentification: false });
    const run = await authorizeOnce(server, idleBrowser(), { useLoopback: false });
    const url = await printedUrl(run.term, server);
    const location = (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
    run.term.input.write(`${new URL(location).searchParams.get('code')}\n`);
    expect(await run.outcome).toEqual({ ok: true });
  });
});
