import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError } from '../../src/oauth/errors.js';
import { FileTokenStore, type FileTokenStoreOptions } from '../../src/oauth/store/fileTokenStore.js';
import type { StoreFs } from '../../src/oauth/store/privateFiles.js';
import { captureLogger, makeTmpDir } from './storeHelpers.js';

const SERVER = 'https://mcp.example/mcp';
const FIXTURE = fileURLToPath(new URL('./fixtures/lockCounter.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(() => tmp.cleanup());

function store(options: Partial<FileTokenStoreOptions> = {}): FileTokenStore {
  return new FileTokenStore({ mcpoHome: tmp.dir, serverUrl: SERVER, clientIdentity: 'dynamic', ...options });
}

function lockPathOf(s: FileTokenStore): string {
  return s.location.replace(/\.json$/, '.lock');
}

/** A manual clock: sleeping advances it instantly, so waits of seconds take no real time. */
function fakeClock(start = Date.now()): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

async function writeLock(s: FileTokenStore, holder: { pid: number; hostname?: string; acquiredAt: number }): Promise<void> {
  await mkdir(path.dirname(s.location), { recursive: true });
  await writeFile(lockPathOf(s), JSON.stringify({ hostname: hostname(), token: 'someone-else', ...holder }));
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid!;
  await once(child, 'exit');
  return pid;
}

function startCounter(iterations: number, extra: string[] = []): { child: ChildProcess; ready: Promise<void>; exit: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, tmp.dir, SERVER, String(iterations), ...extra], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', () => reject(new Error('child exited before ready')));
  });
  const exit = once(child, 'exit').then(([code]) => code as number);
  return { child, ready, exit };
}

async function runCounters(iterations: number, extra: string[] = []): Promise<number> {
  const a = startCounter(iterations, extra);
  const b = startCounter(iterations, extra);
  await Promise.all([a.ready, b.ready]);
  a.child.stdin!.write('go\n');
  b.child.stdin!.write('go\n');
  expect(await Promise.all([a.exit, b.exit])).toEqual([0, 0]);
  return Number((await store().load())?.tokens?.access_token);
}

describe('FileTokenStore.withLock across processes', () => {
  it('lets two mcpo processes increment a shared counter without losing an update', async () => {
    const iterations = 25;
    expect(await runCounters(iterations)).toBe(2 * iterations);
    const leftovers = (await readdir(path.join(tmp.dir, 'tokens'))).filter((f) => !f.endsWith('.json'));
    expect(leftovers).toEqual([]);
  });

  it('breaks a lock left behind by a process that died', async () => {
    const { logger, lines } = captureLogger();
    const s = store({ logger, lock: { timeoutMs: 1000 } });
    await writeLock(s, { pid: await deadPid(), acquiredAt: Date.now() });
    expect(await s.withLock(async () => 'ran')).toBe('ran');
    expect(lines.join('\n')).toContain('Broke a stale token lock');
    expect(await readdir(path.dirname(s.location))).toEqual([]);
  });

  it('breaks a live holder’s lock once its lease has run out', async () => {
    const clock = fakeClock();
    const s = store({ now: clock.now, lock: { sleep: clock.sleep, leaseMs: 2000, timeoutMs: 10_000 } });
    await writeLock(s, { pid: process.ppid, acquiredAt: clock.now() });
    expect(await s.withLock(async () => 'ran')).toBe('ran');
    const waited = clock.slept.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(2000);
    expect(waited).toBeLessThanOrEqual(2250);
  });

  it('gives up with LockTimeoutError while a live holder keeps the lock within its lease', async () => {
    const clock = fakeClock();
    const s = store({ now: clock.now, lock: { sleep: clock.sleep, leaseMs: 30_000, timeoutMs: 5000 } });
    await writeLock(s, { pid: process.ppid, acquiredAt: clock.now() });
    let ran = false;
    const err = await s
      .withLock(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).reason).toBe('lock_timeout');
    expect(ran).toBe(false);
    expect(clock.slept[0]).toBe(20);
    expect(Math.max(...clock.slept)).toBe(250);
    expect(JSON.parse(await readFile(lockPathOf(s), 'utf8')).token).toBe('someone-else');
  });

  it('puts back a fresh lock that another process took just before a stale one was broken', async () => {
    const clock = fakeClock();
    let swapped = false;
    const fs: StoreFs = {
      ...nodeFs,
      rename: async (from, to) => {
        if (!swapped && String(to).includes('.lock.stale-')) {
          swapped = true; // another process breaks the stale lock and takes a fresh one, right before our rename
          await nodeFs.writeFile(String(from), JSON.stringify({ pid: process.ppid, hostname: hostname(), acquiredAt: clock.now(), token: 'fresh' }));
        }
        return nodeFs.rename(from, to);
      },
    };
    const s = store({ fs, now: clock.now, lock: { sleep: clock.sleep, timeoutMs: 1000 } });
    await writeLock(s, { pid: await deadPid(), acquiredAt: clock.now() });
    await expect(s.withLock(async () => undefined)).rejects.toBeInstanceOf(LockTimeoutError);
    expect(swapped).toBe(true);
    expect(JSON.parse(await readFile(lockPathOf(s), 'utf8')).token).toBe('fresh');
  });

  it('does not trust a pid from another host, only the lease', async () => {
    const clock = fakeClock();
    const s = store({ now: clock.now, lock: { sleep: clock.sleep, timeoutMs: 1000 } });
    await writeLock(s, { pid: await deadPid(), hostname: 'another-host', acquiredAt: clock.now() });
    await expect(s.withLock(async () => undefined)).rejects.toBeInstanceOf(LockTimeoutError);
  });

  it('treats a lock carrying our own pid that we do not hold as stale (a restarted container reusing the pid)', async () => {
    const s = store({ lock: { timeoutMs: 1000 } });
    await writeLock(s, { pid: process.pid, acquiredAt: Date.now() });
    expect(await s.withLock(async () => 'ran')).toBe('ran');
  });

  it('serializes callers in one process, even through two store instances for the same file', async () => {
    const a = store();
    const b = store();
    const events: string[] = [];
    const critical = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((r) => setImmediate(r));
      events.push(`${name} out`);
    };
    await Promise.all([a.withLock(critical('a')), b.withLock(critical('b')), a.withLock(critical('c'))]);
    expect(events).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(events[i + 1]).toBe(events[i]!.replace(' in', ' out'));
  });

  it('releases the lock when the critical section throws', async () => {
    const s = store();
    await expect(s.withLock(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await s.withLock(async () => 'again')).toBe('again');
    expect(await readdir(path.dirname(s.location))).toEqual([]);
  });
});
