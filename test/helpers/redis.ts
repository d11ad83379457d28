/**
 * A real redis-server (the Debian package) for the shared-store tests: its own folder, no persistence, on a free
 * loopback port, in the foreground so the test owns the process. `stop()` then `start()` again keeps the port: a
 * Redis that goes away and comes back. Fails, rather than skips, when redis-server is missing
 * (.ci/system-deps.sh installs it).
 */
import { createClient } from '@redis/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { accepts, freePort } from './ports.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface TestRedis {
  port: number;
  url: string;
  /** Starts it again (same port) after stop(); empty, as a restarted Redis without persistence is. */
  start(): Promise<void>;
  /** Kills it (SIGKILL: as a crash, nothing written). */
  stop(): Promise<void>;
  /** SIGSTOP: it keeps its connections and data but answers nothing (a partition, a stalled host). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
  /** A connected client of the test's own, to read or plant what mcpo keeps there (its errors ignored: Redis may be stopped on purpose). */
  client(): Promise<RedisClient>;
}

async function connectedClient(url: string) {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export type RedisClient = Awaited<ReturnType<typeof connectedClient>>;

export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} must be installed for the shared-store tests (bash .ci/system-deps.sh installs it)`);
  const dir = await mkdtemp(path.join(tmpdir(), 'mcpo-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  if (options.password) args.push('--requirepass', options.password);

  const start = async () => {
    let output = '';
    const started = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    child = started;
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (started.exitCode !== null || Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    child = undefined;
  };
  await start();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `redis://${auth}127.0.0.1:${port}/0`;
  return {
    port,
    url,
    client: () => connectedClient(url),
    start,
    stop,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    dispose: async () => {
      child?.kill('SIGCONT');
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
