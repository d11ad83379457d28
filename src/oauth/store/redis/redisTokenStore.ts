/**
 * A TokenStore in the shared store (Redis), for several mcpo replicas behind one address: one record per
 * (server, client identity), keyed by the same hash as the token file would be named (paths.ts), so neither the
 * URL nor the client id shows in a key listing.
 *
 *   <prefix>tokens:<hash>   the StoredAuth as the codec writes it (the record): JSON, or sealed with the token key
 *                           and `<hash>` as associated data (codec/recordCodec.ts)
 *   <prefix>lock:<hash>     the refresh lock (redisLock.ts)
 *
 * - withLock: one holder in this process (KeyedMutex, so waiters do not all poll Redis), then the Redis lock;
 *   save() and clear() made while it is held are fenced writes.
 * - Every save() and clear() is announced (RedisConnection.announce), so the other replicas re-read the record
 *   instead of serving what they held (a login finished elsewhere, a Disconnect, a rotated token).
 * - A record that does not parse, or fails authentication (tampered with, copied from another key), is copied aside
 *   (`<key>:corrupt:<epoch ms>`, kept 30 days) and load() returns undefined, as the file store does. One sealed with
 *   a key this replica was not given is left alone: TokenFileEncryptedError, and save() will not replace it.
 * - A store that does not answer: StoreUnavailableError (503, Retry-After), never a lost or half-written record.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../../log/logger.js';
import { silentLogger } from '../../../log/logger.js';
import { TokenFileEncryptedError } from '../../errors.js';
import { looksSealed } from '../codec/envelope.js';
import { plainRecordCodec, type RecordCodec } from '../codec/recordCodec.js';
import { KeyedMutex } from '../mutex.js';
import { tokenFileName } from '../paths.js';
import { StoredAuthSchema, type StoredAuth } from '../schema.js';
import type { TokenStore } from '../tokenStore.js';
import type { RedisConnection } from './redisConnection.js';
import { withRedisLock, type HeldLock, type RedisLockOptions } from './redisLock.js';

/** A record is a few KiB; a value longer than this is not one, and is never read out of Redis. */
export const MAX_RECORD_CHARS = 64 * 1024;
const TOO_LARGE = Symbol('too large');
/** GET, unless the value is longer than ARGV[1]: then {length}. */
const READ_BOUNDED = `local n = redis.call('strlen', KEYS[1]) if n > tonumber(ARGV[1]) then return {n} end return redis.call('get', KEYS[1])`;

function isSealedText(text: string): boolean {
  try {
    return looksSealed(JSON.parse(text));
  } catch {
    return false;
  }
}

/** How long a corrupt record's copy is kept: 30 days. */
const CORRUPT_COPY_SECONDS = 30 * 24 * 3600;

const inProcess = new KeyedMutex();

export interface RedisTokenStoreOptions {
  connection: RedisConnection;
  serverUrl: string;
  clientIdentity: string;
  /** A per-user server's user (undefined: the operator's record). */
  user?: string | undefined;
  /** Default plainRecordCodec (JSON). */
  codec?: RecordCodec | undefined;
  logger?: Logger;
  now?: (() => number) | undefined;
  lock?: RedisLockOptions;
}

export class RedisTokenStore implements TokenStore {
  readonly location: string;
  /** The record's key. */
  readonly key: string;
  private readonly lockKey: string;
  /** The record's identity for the codec (the associated data of a sealed record): its hash, whatever the prefix. */
  private readonly identity: string;
  private readonly codec: RecordCodec;
  private readonly connection: RedisConnection;
  private readonly logger: Logger;
  private readonly now: () => number;
  private held: HeldLock | undefined;
  private lastCorrupt: string | undefined;

  constructor(private readonly options: RedisTokenStoreOptions) {
    const hash = tokenFileName(options.serverUrl, options.clientIdentity, options.user).replace(/\.json$/, '');
    this.identity = hash;
    this.codec = options.codec ?? plainRecordCodec;
    const { prefix } = options.connection;
    this.key = `${prefix}tokens:${hash}`;
    this.lockKey = `${prefix}lock:${hash}`;
    this.connection = options.connection;
    this.location = `${options.connection.shown} ${this.key}`;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  async load(): Promise<StoredAuth | undefined> {
    const raw = await this.read();
    if (raw === null) return undefined;
    if (raw === TOO_LARGE) {
      this.logger.warn(`Token record is larger than ${MAX_RECORD_CHARS} characters, more than any record needs; not read (a fresh authorization will follow)`, { record: this.key });
      return undefined;
    }
    const decoded = this.codec.decode(raw, this.identity);
    switch (decoded.kind) {
      case 'record':
        // With a token key every record here is sealed: Redis has no records from before the key to migrate, and
        // a plaintext one is what any client of this Redis could write without the key.
        if (this.codec.keyIds.length > 0 && !isSealedText(raw)) {
          await this.keepCorruptAside(raw, 'Token record is plaintext although a token key is set (written by something without the key); kept a copy aside, a fresh authorization will follow');
          return undefined;
        }
        return decoded.record;
      case 'no_key':
        throw new TokenFileEncryptedError(this.location, decoded.keyId, this.codec.keyIds, 'record');
      case 'refused':
        await this.keepCorruptAside(raw, 'Token record failed authentication (tampered with, or copied from another key); kept a copy aside, a fresh authorization will follow');
        return undefined;
      case 'corrupt':
        await this.keepCorruptAside(raw, 'Token record is corrupt; kept a copy aside, a fresh authorization will follow');
        return undefined;
    }
  }

  async save(state: StoredAuth): Promise<void> {
    const text = this.codec.encode(StoredAuthSchema.parse(state), this.identity);
    // A record sealed with a key this replica lacks stays: every save follows a load that throws for it, but a
    // replica started without the key (or with an old one) must not replace it for good.
    const existing = await this.read();
    if (existing !== null && existing !== TOO_LARGE) {
      const decoded = this.codec.decode(existing, this.identity);
      if (decoded.kind === 'no_key') throw new TokenFileEncryptedError(this.location, decoded.keyId, this.codec.keyIds, 'record');
    }
    await this.write(text);
  }

  async clear(): Promise<void> {
    await this.write(undefined);
  }

  async confirmLock(): Promise<void> {
    await this.held?.confirm();
  }

  onExternalChange(listener: () => void): () => void {
    // undefined: the connection was lost a while, and what it missed is unknown: every record is read again.
    return this.connection.onAnnounce((key) => {
      if (key === undefined || key === this.key) listener();
    });
  }

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return inProcess.run(this.key, () =>
      withRedisLock(
        this.connection,
        this.lockKey,
        async (held) => {
          this.held = held;
          try {
            return await fn();
          } finally {
            this.held = undefined;
          }
        },
        this.options.lock,
      ),
    );
  }

  private async write(text: string | undefined): Promise<void> {
    const held = this.held;
    if (held) await held.write(this.key, text);
    else if (text === undefined) await this.connection.run('delete tokens', (client) => client.del(this.key));
    else await this.connection.run('write tokens', (client) => client.set(this.key, text));
    this.lastCorrupt = undefined;
    await this.connection.announce(this.key);
  }

  /** The record's text, TOO_LARGE past MAX_RECORD_CHARS (its size is checked in Redis: a huge value never travels), or null. */
  private async read(): Promise<string | typeof TOO_LARGE | null> {
    const answer = await this.connection.run('read tokens', (client) => client.eval(READ_BOUNDED, { keys: [this.key], arguments: [String(MAX_RECORD_CHARS)] }));
    if (Array.isArray(answer)) return TOO_LARGE;
    return typeof answer === 'string' ? answer : null;
  }

  private async keepCorruptAside(raw: string, message: string): Promise<void> {
    const signature = createHash('sha256').update(raw).digest('hex');
    if (signature === this.lastCorrupt) return;
    this.lastCorrupt = signature;
    const aside = `${this.key}:corrupt:${this.now()}`;
    try {
      await this.connection.run('keep a corrupt record', (client) => client.set(aside, raw, { expiration: { type: 'EX', value: CORRUPT_COPY_SECONDS } }));
      this.logger.warn(message, { record: this.key, keptAs: aside });
    } catch {
      this.logger.warn(`${message} (the copy could not be made)`, { record: this.key });
    }
  }
}
