/**
 * Issue #14 item 3 as an operator sees it: mcpo (bin/mcpo.js, spawned) with a well-behaved server and one whose
 * tools/list is an endless cursor chain of ~1 MiB pages. Regression: mcpo followed it until its RSS reached 4.2 GB
 * and it died with every server. Now that server alone fails, /healthz says why, and mcpo's RSS stays bounded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { DEMO_SERVER } from '../mcp/fixtures.js';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const HOSTILE = fileURLToPath(new URL('../helpers/hostileToolsServer.mjs', import.meta.url));

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/** Resident memory of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

it('a server whose tool list never ends fails alone, with the reason in /healthz, while mcpo stays small', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-hostile-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        demo: { command: process.execPath, args: [DEMO_SERVER] },
        hostile: { command: process.execPath, args: [HOSTILE, 'endless-pages'] },
      },
    }),
  );
  const mcpo: McpoProcess = await startMcpo(['--config', config, '--port', '0']);
  cleanup.push(() => mcpo.stop('SIGKILL'));
  const pid = mcpo.child.pid!;
  let peak = rssBytes(pid);
  let hostile: { state: string; error?: string } | undefined;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    peak = Math.max(peak, rssBytes(pid));
    const health = (await (await fetch(`${mcpo.url}/healthz`)).json()) as { servers: Record<string, { state: string; error?: string }> };
    hostile = health.servers.hostile;
    if (hostile?.state === 'reconnecting' && health.servers.demo?.state === 'connected') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(hostile).toMatchObject({ state: 'reconnecting', error: expect.stringContaining('the tool definitions of server "hostile" exceed 33554432 bytes (its maxToolListBytes)') });
  // 32 MiB of definitions parsed once, on top of mcpo's own ~100 MB: far below what the unbounded loop reached.
  expect(peak).toBeLessThan(450 * 1024 * 1024);
  expect((await fetch(`${mcpo.url}/openapi.json`)).status).toBe(200);
  const echo = await fetch(`${mcpo.url}/demo/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"still here"}' });
  expect(echo.status).toBe(200);
}, 40_000);
