/**
 * mcpo's OAuth with the SDK's own streamable-HTTP transport (`"sdkTransport": true`): it lives in the fetch the
 * transport is given, so the token, its refresh and a step-up work as with mcpo's transport.
 */
import { expect, it, vi } from 'vitest';
import { fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

it('authorizes, calls with the token, and steps up on 403 insufficient_scope through the SDK transport', async () => {
  const server = await startServer({ scopeChallenge: 'required-only' });
  const home = await tempHome();
  const browser = fetchBrowser();
  const { support } = oauthSupport(home, browser);
  const manager = startManager(support, [oauthEntry(server.mcpUrl, { sdkTransport: true })]);
  await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });

  expect(text(await manager.get('secure')!.callTool('echo', { message: 'with the token' }))).toBe('with the token');
  expect(browser.opened).toHaveLength(1);
  // This tool needs a wider scope: the server answers 403 insufficient_scope, mcpo authorizes again and retries once.
  expect(text(await manager.get('secure')!.callTool('stock_price', { symbol: 'MSFT' }))).toContain('415.5');
  expect(browser.opened).toHaveLength(2);
});
