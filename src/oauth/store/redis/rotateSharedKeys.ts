/**
 * `mcpo auth rotate-key --store …`: every token record of the shared store written again with the first token key,
 * each under the lock refreshes take (so replicas may keep running), with a fenced write; the others are told, as
 * for any write. Records it cannot read are left as they are and listed.
 */
import { LockTimeoutError } from '../../errors.js';
import type { RecordCodec } from '../codec/recordCodec.js';
import type { RotateKeyReport } from '../rotateKey.js';
import type { RedisConnection } from './redisConnection.js';
import { withRedisLock, type RedisLockOptions } from './redisLock.js';

export async function rotateSharedKeys(connection: RedisConnection, codec: RecordCodec, lock: RedisLockOptions = {}): Promise<RotateKeyReport> {
  const report: RotateKeyReport = { rewritten: [], current: [], unreadable: [] };
  const prefix = `${connection.prefix}tokens:`;
  const keys = new Set<string>();
  await connection.run('list token records', async (client) => {
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 200 })) for (const key of batch) keys.add(key);
  });
  for (const key of [...keys].sort()) {
    if (!key.startsWith(prefix)) continue; // MATCH is a glob: never another prefix's records
    const hash = key.slice(prefix.length);
    if (!/^[0-9a-f]{64}$/.test(hash)) continue; // copies kept aside (`…:corrupt:…`) are not records
    const rewrite = withRedisLock(connection, `${connection.prefix}lock:${hash}`, async (held) => {
      const text = await connection.run('read tokens', (client) => client.get(key));
      if (text === null) return; // deleted meanwhile
      const decoded = codec.decode(text, hash);
      if (decoded.kind !== 'record') return void report.unreadable.push({ file: key, why: decoded.kind });
      if (decoded.current) return void report.current.push(key);
      await held.write(key, codec.encode(decoded.record, hash));
      await connection.announce(key);
      report.rewritten.push(key);
    }, lock);
    // A record whose lock stays taken (a refresh that hangs) is listed, and the others are still re-written.
    await rewrite.catch((error: unknown) => {
      if (!(error instanceof LockTimeoutError)) throw error;
      report.unreadable.push({ file: key, why: 'io' });
    });
  }
  return report;
}
