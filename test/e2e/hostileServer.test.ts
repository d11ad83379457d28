/**
 * Issue #14 item 3 as an operator sees it: mcpo (bin/mcpo.js, spawned) with a well-behaved server and a hostile one.
 * - A tools/list that is an endless cursor chain of ~1 MiB pages. Regression: mcpo followed it until its RSS reached
 *   4.2 GB and it died with every server.
 * - One tools/list page far past maxToolListBytes over streamable HTTP. Regression: the bound was checked once the
 *   page was parsed; ~200 MiB of tiny tools held every route for 12-27 s (by the machine's load) and ~2 GB on each
 *   reconnect, ~1 s apart.
 * Now that server alone fails, /healthz says why, and mcpo's RSS stays bounded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { DEMO_SERVER } from '../mcp/fixtures.js';
import { startHugeToolListServer } from '../helpers/hugeToolList.js';
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

it('one tools/list page of 64 MiB is cut at maxToolListBytes (1 MiB): routes keep answering, mcpo stays small, the next attempt waits', async () => {
  const MiB = 1024 * 1024;
  const upstream = await startHugeToolListServer({ mode: 'sse', bytes: 64 * MiB });
  cleanup.push(() => upstream.close());
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-hostile-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        demo: { command: process.execPath, args: [DEMO_SERVER] },
        hostile: { type: 'streamable-http', url: upstream.url, maxToolListBytes: MiB, pingInterval: 0 },
      },
    }),
  );
  const mcpo: McpoProcess = await startMcpo(['--config', config, '--port', '0']);
  cleanup.push(() => mcpo.stop('SIGKILL'));
  const pid = mcpo.child.pid!;
  let peak = rssBytes(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
  cleanup.push(() => clearInterval(sampler));
  // The demo's tool, called again and again while the hostile server's page arrives and after.
  const latencies: number[] = [];
  let demoUp = false;
  let hostile: { state: string; error?: string; nextAttemptAt?: string } | undefined;
  let refusedAt: number | undefined;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && (refusedAt === undefined || Date.now() - refusedAt < 4_000)) {
    const started = performance.now();
    const response = await fetch(`${mcpo.url}/demo/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":2,"b":3}' });
    await response.text();
    // Calls until the demo server's first answer wait for it to start: not what is measured.
    if (demoUp) {
      latencies.push(performance.now() - started);
      expect(response.status).toBe(200);
    }
    demoUp ||= response.status === 200;
    const health = (await (await fetch(`${mcpo.url}/healthz`)).json()) as { servers: Record<string, typeof hostile> };
    hostile = health.servers.hostile;
    if (refusedAt === undefined && hostile?.state === 'reconnecting') refusedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(hostile).toMatchObject({
    state: 'reconnecting',
    error: expect.stringContaining(
      'tool list refused: the tools/list answer of server "hostile" passed 1048576 bytes (its maxToolListBytes) and was not read further; ' +
        'raise "maxToolListBytes" in the server\'s config entry to accept more; a server whose tool list was refused is retried less often',
    ),
  });
  // Retried in 30-60 s, not 0.5-1 s: 4 s later there was still one attempt, and the next is far off.
  expect(Date.parse(hostile!.nextAttemptAt!) - Date.now()).toBeGreaterThan(20_000);
  const lists = await upstream.lists();
  expect(lists).toHaveLength(1);
  // mcpo stopped reading just past the bound (plus what the sockets buffer): not the 64 MiB page.
  expect(lists[0]).toMatchObject({ complete: false });
  expect(lists[0]!.sent).toBeLessThan(8 * MiB);
  // Parsed, the page held every route for seconds and took ~700 MB.
  expect(latencies.length).toBeGreaterThan(20);
  expect(Math.max(...latencies)).toBeLessThan(1_000);
  expect(peak).toBeLessThan(250 * MiB);
}, 40_000);
