import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import { fetchBrowser, oauthEntry, oauthSupport, startManager, startServer, tempHome } from './harness.js';

const CHILD = fileURLToPath(new URL('./fixtures/refreshChild.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TWO_HOURS_MS = 2 * 3_600_000;

function startChild(home: string, url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, home, url, String(TWO_HOURS_MS), '4'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', () => reject(new Error('child exited before ready')));
  });
  const result = new Promise<{ hashes: Array<string | null> }>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`child exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as { hashes: Array<string | null> });
    });
  });
  return { child, ready, result };
}

describe('two mcpo processes sharing the tokens folder', () => {
  it('refresh a due token once between them, both end up with the same working token, and nobody is logged out', async () => {
    // The server's clock runs with the children's: two hours ahead of this process.
    const server = await startServer({ now: () => Date.now() + TWO_HOURS_MS });
    const home = await tempHome();
    const entry = oauthEntry(server.mcpUrl);
    // Log in from this process with a clock that matches the children's notion of "two hours ago".
    const { support } = oauthSupport(home, fetchBrowser(), { now: () => Date.now() + TWO_HOURS_MS - 3_600_000 - 5_000 });
    const manager = startManager(support, [entry]);
    await vi.waitFor(() => expect(manager.get('secure')?.status().state).toBe('connected'), { timeout: 10_000 });
    await manager.stop();
    const before = server.stats().refreshRequests;

    const a = startChild(home, server.mcpUrl);
    const b = startChild(home, server.mcpUrl);
    await Promise.all([a.ready, b.ready]);
    a.child.stdin.write('go\n');
    b.child.stdin.write('go\n');
    const [ra, rb] = await Promise.all([a.result, b.result]);

    expect(server.stats().refreshRequests - before).toBe(1);
    const all = [...ra.hashes, ...rb.hashes];
    expect(all.every((h) => h !== null)).toBe(true);
    expect(new Set(all).size).toBe(1);

    const saved = await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry) }).load();
    expect(createHash('sha256').update(saved!.tokens!.access_token).digest('hex')).toBe(all[0]);
    // The token both hold is accepted by the server.
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${saved!.tokens!.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } }),
    });
    expect(res.status).toBe(200);
    await res.text();
  }, 30_000);
});
