/**
 * Shutdown within its bound, never an orphan (issue #12), on the real CLI: SIGINT/SIGTERM give calls in flight
 * 3 s, then answer them 503; every stdio child ends, also one that ignores SIGTERM and its stdin closing;
 * mcpo exits within 5 s; a second signal, an uncaught exception or an unhandled rejection exit at once and
 * still end every child. Children carry a marker in their argv, so /proc shows any that is left.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processesWith } from '../helpers/processes.js';
import { REPO, startMcpo, type McpoProcess, type SpawnOptions } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const STUBBORN = join(REPO, 'test/helpers/stubbornServer.mjs');
const CRASH_ON_SIGNAL = join(REPO, 'test/helpers/crashOnSignal.mjs');

const running: Array<{ mcpo: McpoProcess; marker: string }> = [];
afterEach(async () => {
  for (const { mcpo, marker } of running.splice(0)) {
    await mcpo.stop('SIGKILL');
    // A child the code under test left behind must not outlive the test either.
    for (const pid of await processesWith(marker)) process.kill(pid, 'SIGKILL');
  }
});

type Servers = Record<string, 'demo' | 'stubborn'>;

/** mcpo with the given stdio servers, each started with `marker` in its argv; resolves once all are connected. */
async function startWith(servers: Servers, options: SpawnOptions & { args?: string[] } = {}) {
  const marker = `mcpo-shutdown-${Math.random().toString(36).slice(2)}`;
  const mcpServers = Object.fromEntries(
    Object.entries(servers).map(([name, kind]) => [name, { command: process.execPath, args: [kind === 'demo' ? DEMO : STUBBORN, `--${marker}`] }]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-shutdown-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mcpServers }));
  const mcpo = await startMcpo(['--config', config, '--port', '0', ...(options.args ?? [])], options);
  running.push({ mcpo, marker });
  await expect.poll(async () => Object.values((await health(mcpo)).servers).every((s) => s.state === 'connected'), { timeout: 15_000 }).toBe(true);
  expect(await processesWith(marker)).toHaveLength(Object.keys(servers).length);
  return { mcpo, marker };
}

async function health(mcpo: McpoProcess) {
  return (await (await fetch(`${mcpo.url}/healthz`)).json()) as { servers: Record<string, { state: string; calls: { inFlight: number } }> };
}

/** Resolves once the servers have these many calls in flight (they reached the server: the shutdown must answer them). */
async function inFlight(mcpo: McpoProcess, counts: Record<string, number>) {
  await expect
    .poll(async () => {
      const { servers } = await health(mcpo);
      return Object.entries(counts).every(([name, n]) => servers[name]?.calls.inFlight === n);
    }, { timeout: 10_000 })
    .toBe(true);
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: unknown;
  /** performance.now() when the answer arrived. */
  at: number;
}

/** A tool call; a dropped connection is an answer too (status 0), the one a shutdown must never give. */
const call = (mcpo: McpoProcess, path: string, body: unknown): Promise<Answer> =>
  fetch(`${mcpo.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json(), at: performance.now() }),
    (error: unknown) => ({ status: 0, retryAfter: null, body: String(error), at: performance.now() }),
  );

/** A GET on a keep-alive connection that stays open (idle) in `agent` afterwards. */
function keepAliveGet(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** Whether a new connection is accepted (a request on a fresh socket gets any answer). */
function acceptsConnections(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    request(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      resolve(true);
    })
      .on('error', () => resolve(false))
      .end();
  });
}

/** Sends `signal` and resolves with the exit code and how long after the signal mcpo exited. */
async function signalAndExit(mcpo: McpoProcess, signal: NodeJS.Signals) {
  const sent = performance.now();
  const code = await mcpo.stop(signal);
  return { code, sent, tookMs: performance.now() - sent };
}

describe('SIGINT / SIGTERM', () => {
  it('answers calls done within 3 s, answers the rest 503 "mcpo is shutting down", ends every child and exits 0 within 5 s', async () => {
    const { mcpo, marker } = await startWith({ demo: 'demo', stubborn: 'stubborn' });
    const agent = new Agent({ keepAlive: true });
    expect(await keepAliveGet(`${mcpo.url}/healthz`, agent)).toBe(200);

    const quick = call(mcpo, '/demo/sleep', { ms: 1_000 });
    const slow = call(mcpo, '/demo/sleep', { ms: 30_000 });
    const stuck = call(mcpo, '/stubborn/sleep', { ms: 30_000 });
    await inFlight(mcpo, { demo: 2, stubborn: 1 });
    const exit = signalAndExit(mcpo, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await acceptsConnections(mcpo.url)).toBe(false);

    const { code, sent, tookMs } = await exit;
    // Right after the exit, not after a poll: no child outlives mcpo, not even the one deaf to SIGTERM.
    expect(await processesWith(marker)).toEqual([]);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(5_000);

    expect(await quick).toMatchObject({ status: 200, body: 'slept 1000 ms' });
    for (const answer of [await slow, await stuck]) {
      expect(answer).toMatchObject({ status: 503, retryAfter: '5', body: { error: { code: 'SERVER_UNAVAILABLE', message: 'mcpo is shutting down' } } });
      // Not before the 3 s calls in flight are given.
      expect(answer.at - sent).toBeGreaterThan(2_900);
    }
    expect(mcpo.output()).toMatch(/method=POST path=\/demo\/sleep status=503/);
    agent.destroy();
  });

  it('exits as soon as the last call is answered: idle keep-alive connections do not hold it up', async () => {
    const { mcpo, marker } = await startWith({ demo: 'demo' });
    const agent = new Agent({ keepAlive: true });
    expect(await keepAliveGet(`${mcpo.url}/healthz`, agent)).toBe(200);
    const quick = call(mcpo, '/demo/sleep', { ms: 800 });
    await inFlight(mcpo, { demo: 1 });
    const { code, sent, tookMs } = await signalAndExit(mcpo, 'SIGTERM');
    expect(code).toBe(0);
    const answer = await quick;
    expect(answer).toMatchObject({ status: 200, body: 'slept 800 ms' });
    // The answer's own keep-alive connection is closed once it is idle, not at the 3 s mark.
    expect(answer.at - sent).toBeLessThan(1_500);
    expect(tookMs).toBeLessThan(2_500);
    expect(await processesWith(marker)).toEqual([]);
    agent.destroy();
  });

  it('SIGHUP (the terminal closed) shuts down cleanly too, ending every child', async () => {
    const { mcpo, marker } = await startWith({ demo: 'demo' });
    const { code } = await signalAndExit(mcpo, 'SIGHUP');
    expect(code).toBe(0);
    expect(await processesWith(marker)).toEqual([]);
  });

  it('ends a child that ignores SIGTERM and its stdin closing (SIGKILL 1 s after closing began)', async () => {
    // Debug: the children's stderr is logged, where the stubborn server says it ignored SIGTERM.
    const { mcpo, marker } = await startWith({ stubborn: 'stubborn' }, { args: ['--log-level', 'debug'] });
    const { code, tookMs } = await signalAndExit(mcpo, 'SIGTERM');
    expect(code).toBe(0);
    expect(await processesWith(marker)).toEqual([]);
    // The SDK alone waits 2 s before SIGTERM and 2 s more before SIGKILL.
    expect(tookMs).toBeLessThan(3_000);
    expect(mcpo.output()).toContain('stubborn server: ignoring SIGTERM');
  });

  it('a second signal exits at once and still ends every child', async () => {
    const { mcpo, marker } = await startWith({ demo: 'demo', stubborn: 'stubborn' });
    const slow = call(mcpo, '/demo/sleep', { ms: 30_000 });
    await inFlight(mcpo, { demo: 1 });
    mcpo.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mcpo.child.exitCode).toBeNull(); // still giving the call its 3 s
    const { code, tookMs } = await signalAndExit(mcpo, 'SIGINT');
    expect(code).toBe(1);
    expect(tookMs).toBeLessThan(1_000);
    // SIGKILL is delivered asynchronously: a few milliseconds, never the seconds an orphan would stay.
    await expect.poll(() => processesWith(marker), { timeout: 500, interval: 20 }).toEqual([]);
    expect(mcpo.output()).toContain('second signal: exiting now');
    await slow;
  });
});

describe('a fatal error in mcpo', () => {
  for (const [crash, logged] of [
    ['exception', 'uncaught exception; exiting'],
    ['rejection', 'unhandled rejection; exiting'],
  ] as const) {
    it(`an uncaught ${crash} is logged, ends every child and exits 1`, async () => {
      const { mcpo, marker } = await startWith(
        { demo: 'demo', stubborn: 'stubborn' },
        { nodeArgs: ['--import', CRASH_ON_SIGNAL], env: { MCPO_TEST_CRASH: crash } },
      );
      const { code, tookMs } = await signalAndExit(mcpo, 'SIGUSR2');
      expect(code).toBe(1);
      expect(tookMs).toBeLessThan(1_000);
      await expect.poll(() => processesWith(marker), { timeout: 500, interval: 20 }).toEqual([]);
      expect(mcpo.output()).toContain(logged);
      expect(mcpo.output()).toContain('test crash:');
    });
  }
});
