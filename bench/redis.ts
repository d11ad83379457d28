/**
 * The shared store of the `store` group: a redis-server of the bench's own (its own folder, no persistence, a free
 * loopback port, tracked like every child so an interrupted run leaves none behind), and what was sent to it, per
 * command, read from `INFO commandstats`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { freePort, sleep, spawnChild } from './proc.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

/**
 * The keep-alive mcpo's Redis client sends on a timer (pingInterval, both its connections): not caused by calls,
 * so not counted against them; reported beside the others.
 */
export const KEEP_ALIVE_COMMANDS: readonly string[] = ['ping'];

/** Calls per command name (lower case, as commandstats names them: `get`, `set`, `publish`, `client|setinfo`). */
export type CommandCounts = Record<string, number>;

export interface BenchRedis {
  url: string;
  /** Calls per command since the server started (one INFO of the bench's own, counted in the next reading). */
  commandStats(): Promise<CommandCounts>;
  stop(): Promise<void>;
}

/** `INFO commandstats` → calls per command. */
export function parseCommandStats(info: string): CommandCounts {
  const counts: CommandCounts = {};
  for (const match of info.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

/**
 * What others sent between two readings: `after` − `before` − `own` per command, commands with none left out.
 * Redis counts a command once it has run, so a reading includes the INFO that made the previous one, not itself.
 */
export function commandsBetween(before: CommandCounts, after: CommandCounts, own: CommandCounts = { info: 1 }): CommandCounts {
  const sent: CommandCounts = {};
  for (const [name, calls] of Object.entries(after)) {
    const n = calls - (before[name] ?? 0) - (own[name] ?? 0);
    if (n !== 0) sent[name] = n;
  }
  return sent;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startBenchRedis(): Promise<BenchRedis> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is needed for the store group (bash .ci/system-deps.sh installs it)`);
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-bench-redis-'));
  const port = await freePort();
  const child = spawnChild(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning']);
  const stopServer = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; !(await accepts(port)); i++) {
      if (child.process.exitCode !== null || i > 400) throw new Error(`redis-server did not start on port ${port}: ${child.stderr().slice(-1000)}`);
      await sleep(25);
    }
    const url = `redis://127.0.0.1:${port}/0`;
    const client = createClient({ url });
    await client.connect();
    return {
      url,
      commandStats: async () => parseCommandStats(await client.info('commandstats')),
      stop: async () => {
        await client.close().catch(() => {});
        await stopServer();
      },
    };
  } catch (error) {
    await stopServer();
    throw error;
  }
}
