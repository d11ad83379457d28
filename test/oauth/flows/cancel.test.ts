/**
 * Regression: closing a session (mcpo shutting down, a server removed by a reload) while its authorization
 * was under way used to resolve at once while the flow went on: the code exchange finished and the token
 * file was written afterwards (recreating a tokens folder already deleted, with a "Token lock was broken"
 * warning). close() now waits for the cancelled flow, which stops between steps and writes nothing.
 */
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome } from './harness.js';

/** The real fetch, except that token requests wait for `release()` (or for their signal to abort). */
function gatedTokenFetch() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let settled!: () => void;
  const tokenRequestSettled = new Promise<void>((resolve) => (settled = resolve));
  let started = false;
  const gated = async (url: string | URL, init?: RequestInit) => {
    if (new URL(String(url)).pathname !== '/token') return fetch(url, init);
    started = true;
    try {
      await new Promise<void>((resolve, reject) => {
        const signal = init?.signal;
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        void gate.then(resolve);
      });
      return await fetch(url, init);
    } finally {
      settled();
    }
  };
  return Object.assign(gated, { release, tokenRequestSettled, started: () => started });
}

const exists = (file: string) => access(file).then(() => true, () => false);

describe('closing a session while its authorization is under way', () => {
  it('waits for the flow to stop: no code exchange and no token file write happen after close() resolved', async () => {
    const server = await startServer();
    const home = await tempHome();
    const gated = gatedTokenFetch();
    const entry = oauthEntry(server.mcpUrl);
    const { support } = oauthSupport(home, fetchBrowser(), { fetch: gated });
    const manager = startManager(support, [entry]);
    await vi.waitFor(() => expect(gated.started()).toBe(true), { timeout: 10_000 });

    await manager.stop();
    // What a test's cleanup, or the user, does next: the folder goes away and must stay away.
    const tokens = path.join(home, 'tokens');
    await rm(tokens, { recursive: true, force: true });
    gated.release();
    await gated.tokenRequestSettled;
    await new Promise((resolve) => setTimeout(resolve, 100)); // what the exchange would do next is local I/O

    expect(await exists(tokens)).toBe(false);
    expect(server.stats().authorizationCodeRequests).toBe(0);
    expect(await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) }).load()).toBeUndefined();
  });

  it('ends an authorization cancelled during discovery as cancelled, having registered and written nothing', async () => {
    const server = await startServer();
    const home = await tempHome();
    const entry = oauthEntry(server.mcpUrl);
    const { support } = oauthSupport(home, fetchBrowser());
    const auth = support.forEntry(entry)!;
    const started = auth.authorize({ reason: 'test' });
    await auth.cancel();
    await expect(started).rejects.toMatchObject({ reason: 'cancelled' });
    expect(server.stats().registrations).toBe(0);
    expect(await exists(path.join(home, 'tokens'))).toBe(false);
  });
});
