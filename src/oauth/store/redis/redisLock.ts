/**
 * A lock on one record of the shared store, so replicas never present one rotating refresh token twice.
 *
 * Taking it is SET <lock> <token> NX PX <lease>, the token 128 random bits (unique per holder): it is the fencing
 * token. Whoever holds it renews the lease every third of it while working; a holder that dies lets it expire. Releasing and renewing
 * compare the token first (only the owner can), and a write made under the lock is one script that writes only
 * while the lock still holds its token: a holder that outlived its lease (paused, partitioned) cannot overwrite
 * what the next holder wrote (StoreLockLostError instead).
 */
import { randomBytes } from 'node:crypto';
import { LockTimeoutError } from '../../errors.js';
import { StoreLockLostError } from './errors.js';
import { DEFAULT_LOCK_LEASE_MS, DEFAULT_LOCK_TIMEOUT_MS, LOCK_RETRY_MAX_MS, LOCK_RETRY_MIN_MS } from '../fileLock.js';
import type { RedisConnection } from './redisConnection.js';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
/** KEYS: lock, record. ARGV: token, value ('' with ARGV[3] = 'del' deletes). */
const WRITE = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == 'del' then redis.call('del', KEYS[2]) else redis.call('set', KEYS[2], ARGV[2]) end
return 1`;

export interface RedisLockOptions {
  /** Default DEFAULT_LOCK_LEASE_MS (30 s). */
  leaseMs?: number;
  /** Default DEFAULT_LOCK_TIMEOUT_MS (45 s). */
  timeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One taken lock: writes through it are fenced. */
export class HeldLock {
  constructor(
    private readonly connection: RedisConnection,
    readonly key: string,
    readonly token: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * Before spending something only one holder may spend (a rotating refresh token): renews the lease, and throws
   * StoreLockLostError if this holder lost the lock meanwhile (paused or cut off past its lease).
   */
  async confirm(): Promise<void> {
    const renewed = await this.connection.run('renew a lock', (client) => client.eval(RENEW, { keys: [this.key], arguments: [this.token, String(this.leaseMs)] }));
    if (renewed !== 1) throw new StoreLockLostError(this.key);
  }

  /** Sets (or, with `undefined`, deletes) `recordKey` only while this lock is still held. */
  async write(recordKey: string, value: string | undefined): Promise<void> {
    const written = await this.connection.run('write a record', (client) =>
      client.eval(WRITE, { keys: [this.key, recordKey], arguments: [this.token, value ?? '', value === undefined ? 'del' : 'set'] }),
    );
    if (written !== 1) throw new StoreLockLostError(recordKey);
  }
}

/** Runs `fn` holding the lock `lock` (a key), renewing it meanwhile; releases it after. */
export async function withRedisLock<T>(
  connection: RedisConnection,
  lock: string,
  fn: (held: HeldLock) => Promise<T>,
  options: RedisLockOptions = {},
): Promise<T> {
  const leaseMs = options.leaseMs ?? DEFAULT_LOCK_LEASE_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = randomBytes(16).toString('base64url');
  const deadline = now() + timeoutMs;
  let pause = LOCK_RETRY_MIN_MS;
  let held: HeldLock | undefined;
  const release = () => connection.cleanUp('release a lock', (client) => client.eval(RELEASE, { keys: [lock], arguments: [random] }));
  for (;;) {
    let taken: boolean;
    try {
      taken = (await connection.run('take a lock', (client) => client.set(lock, random, { condition: 'NX', expiration: { type: 'PX', value: leaseMs } }))) === 'OK';
    } catch (error) {
      // The store may have run the command and lost only its answer: released when it answers again, not after a lease.
      release();
      throw error;
    }
    if (taken) {
      held = new HeldLock(connection, lock, random, leaseMs);
      break;
    }
    if (now() >= deadline) throw new LockTimeoutError(lock, timeoutMs);
    await sleep(Math.min(pause, Math.max(0, deadline - now())));
    pause = Math.min(pause * 2, LOCK_RETRY_MAX_MS);
  }
  const renewal = setInterval(() => {
    connection.run('renew a lock', (client) => client.eval(RENEW, { keys: [lock], arguments: [random, String(leaseMs)] })).catch(() => {});
  }, Math.max(10, Math.floor(leaseMs / 3)));
  renewal.unref();
  try {
    return await fn(held);
  } finally {
    clearInterval(renewal);
    release();
  }
}
