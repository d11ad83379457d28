// Review: a stdio server started through a wrapper (sh -c, a start script; npx/uvx are wrappers too) survives
// mcpo's shutdown when the real server ignores SIGTERM and stdin EOF: liveChildren/stdio close signal only the
// direct child's pid, never its process group.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { processesWith } from '../helpers/processes.js';
import { REPO, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const STUBBORN = join(REPO, 'test/helpers/stubbornServer.mjs');
const running: Array<{ mcpo: McpoProcess; marker: string }> = [];
afterEach(async () => {
  for (const { mcpo, marker } of running.splice(0)) {
    await mcpo.stop('SIGKILL');
    for (const pid of await processesWith(marker)) process.kill(pid, 'SIGKILL');
  }
});

it('a server behind a shell wrapper does not outlive mcpo (SIGTERM)', async () => {
  const marker = `mcpo-gc-${Math.random().toString(36).slice(2)}`;
  const script = `"${process.execPath}" "${STUBBORN}" --${marker}; echo wrapper-done >&2`;
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-gc-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { wrapped: { command: '/bin/sh', args: ['-c', script] } } }));
  const mcpo = await startMcpo(['--config', config, '--port', '0']);
  running.push({ mcpo, marker });
  await expect
    .poll(async () => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as { servers: Record<string, { state: string }> }).servers.wrapped?.state, { timeout: 15_000 })
    .toBe('connected');
  const server = async () => (await processesWith(marker)).length;
  expect(await server()).toBe(2); // sh and node
  const code = await mcpo.stop('SIGTERM');
  expect(code).not.toBeNull();
  await new Promise((r) => setTimeout(r, 500));
  // Left running, reparented to init, holding whatever it held:
  expect(await processesWith(marker)).toEqual([]);
}, 30_000);
