/**
 * Any replica completes any login: the browser comes back from the authorization server to whichever replica the
 * load balancer picks, while the login (its PKCE verifier, its browser binding, the call waiting for it) lives in the
 * replica where Connect was clicked. The callback is handed to that replica over Redis and judged there, exactly as
 * if the browser had reached it; it exchanges the code and saves the tokens, which every replica then reads.
 *
 *   <prefix>login:<state hash>    which replica holds the login (its connection id): while it is pending, then as
 *                                 long as that replica remembers how it ended (TOMBSTONE_MS)
 *   <prefix>callback:<id>         callbacks handed to replica <id>: {rid, key, query, cookie, dest, from}
 *   <prefix>verdict:<id>          verdicts for replica <id>: {rid, verdict}
 *
 * Decisions:
 * - The PKCE verifier never leaves the replica that made it: only the callback's query and cookie travel, and only
 *   to the replica that registered the login (the `state` hash names it, a hash nothing can be derived from).
 * - A verdict is data (completed, failed with a message, unbound…); the page is made by the replica that answers the
 *   browser, so nothing that travels through Redis is ever served as HTML.
 * - A holder that is gone (PUBLISH reached nobody) or does not answer within RELAY_TIMEOUT_MS: the browser is told
 *   the login is unknown; nothing is saved anywhere. A claim outlives a crashed holder for CLAIM_TTL_MS at most.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { Logger } from '../../../log/logger.js';
import { TOMBSTONE_MS, type CallbackRequest, type LoginRelay } from '../../pendingLogins.js';
import type { CallbackVerdict } from '../../serverPages.js';
import type { RedisConnection } from './redisConnection.js';

/** How long a replica waits for the holder's verdict. */
export const RELAY_TIMEOUT_MS = 5_000;
/** A claim expires after this long even if its holder never released it (it died): longer than any login waits. */
export const CLAIM_TTL_MS = 30 * 60_000;
/** At most this many handed-over callbacks wait for their verdict at once; more are answered "unknown" at once. */
const MAX_WAITING = 256;

const HandedOver = z.object({
  rid: z.string().max(64),
  key: z.string().max(128),
  query: z.string().max(16_384),
  cookie: z.string().max(8_192).optional(),
  dest: z.string().max(64).optional(),
  from: z.string().max(64),
});

const Verdict: z.ZodType<CallbackVerdict> = z.union([
  z.object({ kind: z.literal('completed') }),
  z.object({ kind: z.literal('failed'), message: z.string().max(2_000) }),
  z.object({ kind: z.literal('unbound') }),
  z.object({ kind: z.literal('finished'), how: z.enum(['completed', 'failed', 'expired', 'cancelled']) }),
  z.object({ kind: z.literal('unknown') }),
]);

const VerdictMessage = z.object({ rid: z.string().max(64), verdict: Verdict });

export class RedisLoginRelay implements LoginRelay {
  private readonly waiting = new Map<string, (verdict: CallbackVerdict | undefined) => void>();
  private readonly ready: Promise<void>;
  private judge: ((key: string, params: URLSearchParams, request: CallbackRequest) => CallbackVerdict) | undefined;

  constructor(
    private readonly connection: RedisConnection,
    private readonly logger: Logger,
    private readonly timeoutMs = RELAY_TIMEOUT_MS,
  ) {
    const { prefix, id } = connection;
    this.ready = Promise.all([
      connection.subscribe(`${prefix}callback:${id}`, (message) => void this.handOver(message)),
      connection.subscribe(`${prefix}verdict:${id}`, (message) => this.verdict(message)),
    ]).then(
      () => {},
      (error: unknown) => logger.warn('logins started on other replicas cannot be completed here', { error: error instanceof Error ? error.message : String(error) }),
    );
  }

  claim(key: string): void {
    const { connection } = this;
    connection.cleanUp('claim a login', (client) => client.set(this.claimKey(key), connection.id, { expiration: { type: 'PX', value: CLAIM_TTL_MS } }));
  }

  release(key: string): void {
    // Kept as long as the holder remembers how the login ended, so a second use of its `state` on another replica
    // gets the holder's "already finished" page. Only our own claim: compare and shorten in one script.
    this.connection.cleanUp('release a login', (client) =>
      client.eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`, {
        keys: [this.claimKey(key)],
        arguments: [this.connection.id, String(TOMBSTONE_MS)],
      }),
    );
  }

  serve(judge: (key: string, params: URLSearchParams, request: CallbackRequest) => CallbackVerdict): void {
    this.judge = judge;
  }

  async forward(key: string, params: URLSearchParams, request: CallbackRequest): Promise<CallbackVerdict | undefined> {
    const { connection } = this;
    if (this.waiting.size >= MAX_WAITING) return undefined;
    await this.ready;
    let holder: string | null;
    try {
      holder = await connection.run('find a login', (client) => client.get(this.claimKey(key)));
    } catch {
      return undefined;
    }
    if (holder === null || holder === connection.id) return undefined;
    const rid = randomBytes(12).toString('base64url');
    const verdict = new Promise<CallbackVerdict | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rid);
        this.logger.warn('the replica holding a login did not answer its callback', { replica: holder });
        resolve(undefined);
      }, this.timeoutMs);
      this.waiting.set(rid, (answer) => {
        clearTimeout(timer);
        this.waiting.delete(rid);
        resolve(answer);
      });
    });
    const message = JSON.stringify({ rid, key, query: params.toString(), cookie: request.cookie, dest: request.secFetchDest, from: connection.id });
    const reached = await connection.publish('hand over a callback', `${connection.prefix}callback:${holder}`, message).catch(() => 0);
    if (reached === 0) this.waiting.get(rid)?.(undefined); // the holder is gone
    return verdict;
  }

  /** A callback another replica hands over: judged here as if the browser had come here; the verdict goes back. */
  private async handOver(message: string): Promise<void> {
    const parsed = HandedOver.safeParse(parseJson(message));
    if (!parsed.success || !this.judge) return;
    const { rid, key, query, cookie, dest, from } = parsed.data;
    const verdict = this.judge(key, new URLSearchParams(query), { cookie, secFetchDest: dest });
    await this.connection.publish('answer a callback', `${this.connection.prefix}verdict:${from}`, JSON.stringify({ rid, verdict })).catch(() => {});
  }

  private verdict(message: string): void {
    const parsed = VerdictMessage.safeParse(parseJson(message));
    if (parsed.success) this.waiting.get(parsed.data.rid)?.(parsed.data.verdict);
  }

  private claimKey(key: string): string {
    return `${this.connection.prefix}login:${key}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
