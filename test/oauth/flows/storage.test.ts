import { readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome, text } from './harness.js';

describe('token storage', () => {
  it('treats a corrupt token file as absent: warns, keeps a copy aside, authorizes afresh', async () => {
    const server = await startServer();
    const home = await tempHome();
    const entry = oauthEntry(server.mcpUrl);
    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) });
    await mkdir(path.dirname(store.location), { recursive: true, mode: 0o700 });
    await writeFile(store.location, '{"version":1,"serverUrl":', { mode: 0o600 });
    const lines: string[] = [];
    const browser = fetchBrowser();
    const { support } = oauthSupport(home, browser, { logger: createLogger({ level: 'warn', write: (l) => lines.push(l) }) });
    const manager = startManager(support, [entry]);

    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'fresh' }))).toBe('fresh');
    expect(browser.opened).toHaveLength(1);
    expect(lines.join('\n')).toContain('Token file is corrupt');
    expect((await store.load())?.tokens).toBeDefined();
    const names = await readdir(path.dirname(store.location));
    expect(names.some((n) => n.includes('.corrupt-'))).toBe(true);
  });

  it('keeps nothing on disk with storage_type memory', async () => {
    const server = await startServer();
    const home = await tempHome();
    const { support } = oauthSupport(home, fetchBrowser());
    const manager = startManager(support, [oauthEntry(server.mcpUrl, {}, { storageType: 'memory' })]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    expect(text(await manager.get('secure')!.callTool('echo', { message: 'mem' }))).toBe('mem');
    expect(await readdir(home)).toEqual([]);
  });
});
