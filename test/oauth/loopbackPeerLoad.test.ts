/**
 * Issue #14 (second review): every connection to the loopback receiver read /proc/net/tcp (and tcp6) whole
 * and split it into lines, each lookup on its own: a flood of connections became a flood of reads of a table
 * that grows with each of them. Lookups now share one read in flight, at most 32 wait, and the rest are
 * answered 503 with Retry-After while the login keeps waiting.
 */
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerLookupBusyError } from '../../src/oauth/errors.js';
import { startLoopbackReceiver, type LoopbackReceiver } from '../../src/oauth/loopback.js';
import { DEFAULT_MAX_WAITING_LOOKUPS, procNetPeers } from '../../src/oauth/loopbackPeer.js';

const receivers: LoopbackReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A socket table reader that counts reads per file and how many run at once; each read waits for `hold()`. */
function countingReader(read: (file: string) => Promise<string>, hold: () => Promise<void>) {
  const reads = new Map<string, number>();
  let running = 0;
  const reader = Object.assign(
    async (file: string): Promise<string> => {
      reads.set(file, (reads.get(file) ?? 0) + 1);
      reader.maxRunning = Math.max(reader.maxRunning, ++running);
      try {
        await hold();
        return await read(file);
      } finally {
        running--;
      }
    },
    { reads, maxRunning: 0 },
  );
  return reader;
}

const hex = (ip: number[], port: number) =>
  `${(endianness() === 'LE' ? [...ip].reverse() : ip).map((p) => p.toString(16).padStart(2, '0')).join('').toUpperCase()}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
const CONNECTION = { remoteAddress: '127.0.0.1', remotePort: 50_000, localAddress: '127.0.0.1', localPort: 3030 };
const TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  `   0: ${hex([127, 0, 0, 1], 3030)} ${hex([127, 0, 0, 1], 50_000)} 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 20 4 30 10 -1`,
  `   1: ${hex([127, 0, 0, 1], 50_000)} ${hex([127, 0, 0, 1], 3030)} 01 00000000:00000000 00:00000000 00000000  1234        0 2 1 0 20 4 30 10 -1`,
].join('\n');

describe('owner lookups of loopback connections under load', () => {
  it('share one read in flight: lookups arriving during a read share the next one', async () => {
    const gates: Array<() => void> = [];
    const reader = countingReader(async () => TABLE, () => new Promise((open) => gates.push(open)));
    const peers = procNetPeers({ platform: 'linux', readTable: reader });
    const lookups = Array.from({ length: 10 }, () => peers.uidOf(CONNECTION));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.reads.get('/proc/net/tcp')).toBe(1);
    gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    // The first lookup's read ended; the nine that came while it ran share one read that started after them.
    expect(reader.reads.get('/proc/net/tcp')).toBe(2);
    gates.shift()!();
    expect(await Promise.all(lookups)).toEqual(Array(10).fill(1234));
    expect([reader.reads.get('/proc/net/tcp'), reader.maxRunning, gates.length]).toEqual([2, 1, 0]);
  });

  it(`lets at most ${DEFAULT_MAX_WAITING_LOOKUPS} wait and refuses the rest at once with Retry-After`, async () => {
    const gates: Array<() => void> = [];
    const peers = procNetPeers({ platform: 'linux', readTable: countingReader(async () => TABLE, () => new Promise((open) => gates.push(open))) });
    const lookups = Array.from({ length: 40 }, () => peers.uidOf(CONNECTION).catch((e: unknown) => e));
    const refused = await Promise.race([Promise.all(lookups.slice(DEFAULT_MAX_WAITING_LOOKUPS)), new Promise((r) => setTimeout(r, 1_000, 'still waiting'))]);
    expect(refused).toHaveLength(8);
    for (const error of refused as unknown[]) {
      expect(error).toBeInstanceOf(PeerLookupBusyError);
      expect([(error as PeerLookupBusyError).code, (error as PeerLookupBusyError).headers]).toEqual(['SERVER_UNAVAILABLE', { 'Retry-After': '1' }]);
    }
    while (gates.length) gates.shift()!(), await new Promise((resolve) => setImmediate(resolve));
    expect(await Promise.all(lookups.slice(0, DEFAULT_MAX_WAITING_LOOKUPS))).toEqual(Array(DEFAULT_MAX_WAITING_LOOKUPS).fill(1234));
    // Slots free again once the waiters are answered.
    const later = peers.uidOf(CONNECTION);
    await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
    expect(await later).toBe(1234);
  });

  it.skipIf(process.platform !== 'linux')('200 connections at once to the receiver: few reads of /proc/net/tcp, one at a time, the excess answered 503, the login still waiting', async () => {
    const reader = countingReader((file) => readFile(file, 'utf8'), () => new Promise((resolve) => setTimeout(resolve, 50)));
    const receiver = await startLoopbackReceiver({ expectedState: 'the-state', peers: procNetPeers({ readTable: reader }), euid: process.geteuid!() });
    receivers.push(receiver);
    const url = new URL(`${receiver.redirectUri}?code=forged&state=wrong`);
    const get = () =>
      new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
        const req = request(url, { agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }));
        });
        req.on('error', reject);
        req.end();
      });
    const answers = await Promise.all(Array.from({ length: 200 }, get));
    const busy = answers.filter((a) => a.status === 503);
    const looked = answers.filter((a) => a.status !== 503);
    // Each lookup that went through saw its own connection: this user's, so a wrong state is refused as such.
    expect(new Set(looked.map((a) => a.status))).toEqual(new Set([400]));
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((a) => a.retryAfter === '1')).toBe(true);
    const reads = reader.reads.get('/proc/net/tcp')!;
    expect(reader.maxRunning).toBe(1);
    expect(reads).toBeLessThan(looked.length / 2);
    expect(reader.reads.get('/proc/net/tcp6') ?? 0).toBe(0); // every owner was found in /proc/net/tcp
    const settled = await Promise.race([receiver.result.then(() => 'settled', () => 'settled'), new Promise((r) => setTimeout(r, 100, 'waiting'))]);
    expect(settled).toBe('waiting');
  }, 30_000);
});
