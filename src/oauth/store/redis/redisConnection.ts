/**
 * One process's link to the shared store: a command client and a subscriber (Redis needs a connection of its own
 * for pub/sub), both from @redis/client.
 *
 * Decisions:
 * - Reachable at start or mcpo does not start: open() fails with StoreUnreachableError naming the address (never the
 *   password). A store that is wrong is better refused at once than discovered on the first login.
 * - Lost while running: the client reconnects by itself (backoff up to 2 s); meanwhile commands fail at once
 *   (no offline queue) and a command that gets no answer in COMMAND_TIMEOUT_MS fails too, as StoreUnavailableError
 *   (503 with Retry-After where a call needed the store). Tokens already in memory keep serving calls.
 * - Going away and coming back is said once each in the log, not once per reconnection attempt.
 * - Changes are announced on one channel, `<prefix>changed`, as `<connection id> <key>`: a replica that did not
 *   make a change re-reads that key instead of trusting what it held, and one that did is not told its own news.
 */
import { randomBytes } from 'node:crypto';
import { createClient, ErrorReply } from '@redis/client';
import type { Logger } from '../../../log/logger.js';
import { StoreUnavailableError, StoreUnreachableError } from './errors.js';
import type { RedisStoreAddress } from './storeUrl.js';

/** A command without an answer after this long fails (the store hangs, or the network does). */
export const COMMAND_TIMEOUT_MS = 2_000;
/** Clean-ups kept for when the store is back; more are dropped (their locks expire with their lease). */
const MAX_DEFERRED = 1_000;
/** The longest message mcpo sends on its channels (a relayed callback's query and cookie): 32 KiB. */
export const MAX_MESSAGE_CHARS = 32 * 1024;
/** Giving up on the first connection after this long. */
export const CONNECT_TIMEOUT_MS = 5_000;

function makeClient(options: RedisConnectionOptions) {
  return createClient({
    url: options.address.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS, rejectInFlight: true },
    pingInterval: 10_000,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2_000),
    },
  });
}

type Client = ReturnType<typeof makeClient>;

export interface RedisConnectionOptions {
  address: RedisStoreAddress;
  prefix: string;
  logger: Logger;
  /** Default CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** Default COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
}

export class RedisConnection {
  readonly prefix: string;
  /** The address without its password. */
  readonly shown: string;
  private readonly listeners = new Set<(key: string | undefined) => void>();
  /** Clean-ups that failed while the store was away, run again once it answers (at most MAX_DEFERRED kept). */
  private readonly deferred: Array<{ what: string; fn: (client: Client) => Promise<unknown> }> = [];
  /** This process on the store: tells its announcements from the others', and names its channels. */
  readonly id = randomBytes(9).toString('base64url');
  private up = true;
  private closed = false;

  /** The first failure while opening (reported by open()); afterwards failures are logged once per outage. */
  private firstError: unknown;
  private opened = false;

  private constructor(
    private readonly client: Client,
    private readonly subscriber: Client,
    private readonly options: RedisConnectionOptions,
  ) {
    this.prefix = options.prefix;
    this.shown = options.address.shown;
    // Listeners go on before connect(): the client's events reach only those.
    client.on('error', (error: unknown) => this.lost(error));
    client.on('reconnecting', () => this.lost(new Error('connection lost')));
    client.on('ready', () => this.back());
    subscriber.on('error', (error: unknown) => (this.firstError ??= error)); // its state follows the command client's
    // The subscription is back after a loss: what was announced meanwhile never arrives, so listeners re-read.
    subscriber.on('ready', () => {
      if (!this.opened || this.closed) return;
      for (const listener of [...this.listeners]) listener(undefined);
    });
  }

  static async open(options: RedisConnectionOptions): Promise<RedisConnection> {
    const connectTimeout = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const connection = new RedisConnection(makeClient(options), makeClient(options), options);
    const { client, subscriber } = connection;
    try {
      await withTimeout(Promise.all([client.connect(), subscriber.connect()]), connectTimeout + 500);
      await client.ping();
      await subscriber.subscribe(connection.channel, (message: string) => connection.heard(message));
    } catch (error) {
      await Promise.allSettled([client.destroy(), subscriber.destroy()]);
      throw new StoreUnreachableError(options.address.shown, connection.firstError ?? error);
    }
    connection.opened = true;
    return connection;
  }

  /** Runs one or more commands; any failure of the store becomes StoreUnavailableError. */
  async run<T>(what: string, fn: (client: Client) => Promise<T>): Promise<T> {
    try {
      const result = await fn(this.client);
      if (!this.up) this.back(); // a stalled Redis that answers again keeps its connection: no 'ready' says so
      return result;
    } catch (error) {
      if (isReplyError(error)) throw error; // Redis answered: a bug of ours (a wrong script), not an outage
      this.lost(error);
      throw new StoreUnavailableError(this.shown, what, error);
    }
  }

  /**
   * Runs a clean-up now and, if the store does not answer, again once it does: a lock taken by a command whose
   * answer was lost must not stay taken for its whole lease.
   */
  cleanUp(what: string, fn: (client: Client) => Promise<unknown>): void {
    this.run(what, fn).catch(() => {
      if (this.deferred.length < MAX_DEFERRED) this.deferred.push({ what, fn });
    });
  }

  /** Tells the other replicas that `key` changed (best effort: a replica that misses it re-reads on its next refresh). */
  async announce(key: string): Promise<void> {
    await this.client.publish(this.channel, `${this.id} ${key}`).catch(() => {});
  }

  /**
   * The key every replica signs per-user connect links with (connectLinks.ts), so a link one replica handed out opens
   * on any: made once by whichever replica comes first (SET NX), read by the others.
   */
  async sharedLinkKey(): Promise<Buffer> {
    const key = `${this.prefix}connect-link-key`;
    return this.run('read the connect-link key', async (client) => {
      await client.set(key, randomBytes(32).toString('base64'), { condition: 'NX' });
      const stored = await client.get(key);
      const bytes = stored === null ? Buffer.alloc(0) : Buffer.from(stored, 'base64');
      if (bytes.length < 32) throw new Error(`${key} holds no 32-byte key`);
      return bytes;
    });
  }

  /** Listens on `channel` (messages of at most MAX_MESSAGE_CHARS; longer ones are not ours and are dropped). */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    await this.subscriber.subscribe(channel, (message: string) => {
      if (message.length <= MAX_MESSAGE_CHARS) listener(message);
    });
  }

  /** Publishes `message` on `channel`; resolves with how many listeners received it. */
  publish(what: string, channel: string, message: string): Promise<number> {
    return this.run(what, (client) => client.publish(channel, message));
  }

  /**
   * Calls `listener` with every key another connection (another replica) announced, and with undefined when the
   * subscription was lost a while (announcements made meanwhile are gone: everything may have changed).
   */
  onAnnounce(listener: (key: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the command connection is up (for /healthz and messages). */
  get available(): boolean {
    return this.up && this.client.isReady;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.client.close(), this.subscriber.close()]);
  }

  private heard(message: string): void {
    const space = message.indexOf(' ');
    if (space < 0 || message.slice(0, space) === this.id) return;
    const key = message.slice(space + 1);
    for (const listener of [...this.listeners]) listener(key);
  }

  /** Said once per outage, however many commands and reconnection attempts fail meanwhile. */
  private lost(error: unknown): void {
    if (!this.opened) {
      this.firstError ??= error;
      return;
    }
    if (this.closed || !this.up) return;
    this.up = false;
    this.options.logger.warn('the shared store is unreachable; calls that need it answer 503 until it is back', { store: this.shown, error: describe(error) });
  }

  private back(): void {
    if (!this.opened || this.up) return;
    this.up = true;
    this.options.logger.info('the shared store is reachable again', { store: this.shown });
    for (const { what, fn } of this.deferred.splice(0)) this.cleanUp(what, fn);
  }

  private get channel(): string {
    return `${this.prefix}changed`;
  }
}

function isReplyError(error: unknown): boolean {
  return error instanceof ErrorReply;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no connection after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
