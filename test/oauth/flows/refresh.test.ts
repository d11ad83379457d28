import { describe, expect, it, vi } from 'vitest';
import { McpoError } from '../../../src/errors.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';
import { httpStatus } from '../../../src/server/answer.js';

const HOUR_MS = 3_600_000;

/** A clock shared by the authorization server and mcpo, moved by the test. */
function sharedClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

async function connected(options: { delays?: number[]; accessTokenTtlSeconds?: number } = {}) {
  const clock = sharedClock();
  const server = await startServer({ now: clock.now, ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}) });
  const home = await tempHome();
  const browser = fetchBrowser();
  const entry = oauthEntry(server.mcpUrl);
  const harness = oauthSupport(home, browser, {
    now: clock.now,
    sleep: async (ms) => void options.delays?.push(ms),
  });
  const manager = startManager(harness.support, [entry]);
  await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
  const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
  return { clock, server, browser, manager, store, session: manager.get('secure')! };
}

describe('token refresh', () => {
  it('refreshes an expired access token before using it and saves the rotated refresh token', async () => {
    const { clock, server, browser, store, session } = await connected();
    const before = (await store.load())!.tokens!;
    clock.advance(HOUR_MS + 1000);

    expect(text(await session.callTool('echo', { message: 'after expiry' }))).toBe('after expiry');
    expect(server.stats().refreshRequests).toBe(1);
    expect(browser.opened).toHaveLength(1);
    const after = (await store.load())!.tokens!;
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.expires_at).toBe(clock.now() + HOUR_MS);
  });

  it('uses a 30 s token for most of its life instead of refreshing before every call (regression: fixed 60 s margin)', async () => {
    const { clock, server, session } = await connected({ accessTokenTtlSeconds: 30 });
    for (const message of ['a', 'b', 'c']) expect(text(await session.callTool('echo', { message }))).toBe(message);
    clock.advance(20_000);
    expect(text(await session.callTool('echo', { message: 'at 20 s' }))).toBe('at 20 s');
    expect(server.stats().refreshRequests).toBe(0);
    clock.advance(8_000); // 28 s: within the last 10% of its life
    expect(text(await session.callTool('echo', { message: 'at 28 s' }))).toBe('at 28 s');
    expect(server.stats().refreshRequests).toBe(1);
  });

  it('sends exactly one refresh request when many calls hit an expired token at once', async () => {
    const { clock, server, session } = await connected();
    clock.advance(HOUR_MS + 1000);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => session.callTool('echo', { message: `m${i}` })));
    expect(results.map(text)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
    expect(server.stats().refreshRequests).toBe(1);
  });

  it('retries a refresh the token endpoint answers with 503, with growing pauses, instead of prompting', async () => {
    const delays: number[] = [];
    const { clock, server, browser, session } = await connected({ delays });
    clock.advance(HOUR_MS + 1000);
    server.failNextTokenRequests(2, { status: 503 });

    expect(text(await session.callTool('echo', { message: 'through' }))).toBe('through');
    expect(server.stats().refreshRequests).toBe(3);
    expect(delays).toEqual([500, 1000]);
    expect(browser.opened).toHaveLength(1);
    expect(server.stats().authorizationRequests).toBe(1);
  });

  it('fails the call with 503 SERVER_UNAVAILABLE (reason refresh_unavailable, Retry-After), without a browser prompt, while the token endpoint stays down', async () => {
    const delays: number[] = [];
    const { clock, server, browser, session } = await connected({ delays });
    clock.advance(HOUR_MS + 1000);
    server.failNextTokenRequests(4, { status: 503 });

    const failure = await session.callTool('echo', { message: 'x' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(McpoError);
    // A temporary unavailability, not an OAuth protocol failure (was 502 OAUTH_ERROR).
    expect((failure as McpoError).code).toBe('SERVER_UNAVAILABLE');
    expect(httpStatus(failure as McpoError)).toBe(503);
    expect((failure as McpoError).headers?.['Retry-After']).toBe('10');
    expect((failure as McpoError).details?.reason).toBe('refresh_unavailable');
    expect(browser.opened).toHaveLength(1);
    expect(server.stats().refreshRequests).toBe(4);
    // The endpoint is back: the next call refreshes and works.
    expect(text(await session.callTool('echo', { message: 'back' }))).toBe('back');
  });

  it('authorizes again when the grant was revoked, then serves the tools', async () => {
    const { server, browser, store, session, manager } = await connected();
    server.revokeClientTokens((await store.load())!.client!.client_id);

    const refused = await session.callTool('echo', { message: 'x' }).catch((e: unknown) => e);
    expect((refused as McpoError).code).toBe('NEEDS_AUTHORIZATION');
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(browser.opened).toHaveLength(2);
    expect(text(await session.callTool('echo', { message: 'again' }))).toBe('again');
  });
});
