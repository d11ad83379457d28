/**
 * Regression: while a step-up authorization (403 insufficient_scope) waited for the user, /healthz showed
 * `authorizationUrl` next to state 'connected' without saying why, and a call that timed out waiting
 * did not say where to go. Status now carries pendingAuthorization { url, reason, scope }, and the
 * waiting call's error names the URL.
 */
import { describe, expect, it, vi } from 'vitest';
import type { McpoError } from '../../../src/errors.js';
import type { OpenBrowser } from '../../../src/oauth/prompts.js';
import { CookieJar, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

describe('a step-up authorization waiting for the user', () => {
  it('is shown in the status as pendingAuthorization, and a call that times out waiting names its URL', async () => {
    const server = await startServer({ scopeChallenge: 'required-only' });
    const home = await tempHome();
    const opened: string[] = [];
    // Approves the first login; the step-up's URL is left for the user (the test) to open.
    const browser: OpenBrowser = async (url) => {
      opened.push(url);
      if (opened.length === 1) await (await new CookieJar().fetch(url)).text();
    };
    const { support } = oauthSupport(home, browser);
    const manager = startManager(support, [oauthEntry(server.mcpUrl)]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    const session = manager.get('secure')!;

    const waiting = session.callTool('stock_price', { symbol: 'MSFT' }, { timeoutMs: 1_500 }).catch((e: unknown) => e as McpoError);
    await vi.waitFor(() => expect(session.status().pendingAuthorization?.url).toBeDefined(), { timeout: 10_000 });
    const status = session.status();
    expect(status.state).toBe('connected');
    const published = opened[1]!.replace(/\?ticket=.*$/, '');
    expect(status.pendingAuthorization).toEqual({ url: published, reason: 'insufficient_scope', scope: expect.stringContaining('tools:execute:finance') });

    const failure = await waiting;
    expect(failure.code).toBe('TIMEOUT');
    expect((failure.details as { authorizationUrl?: string } | undefined)?.authorizationUrl).toBe(published);
    expect(failure.message).toContain(published);

    await (await new CookieJar().fetch(opened[1]!)).text(); // the user approves the wider scope
    await vi.waitFor(() => expect(session.status().pendingAuthorization).toBeUndefined(), { timeout: 10_000 });
    expect(text(await session.callTool('stock_price', { symbol: 'MSFT' }))).toContain('415.5');
  });
});
