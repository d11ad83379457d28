/**
 * The logins waiting for a browser to come back to `{publicUrl}/oauth/callback`: one per process, shared by every
 * server's receiver (serverReceiver.ts) and the HTTP route that answers the callback.
 *
 * Decisions:
 * - A login is found by the SHA-256 of its `state`, so the lookup's timing says nothing about a pending state;
 *   the receiver then compares the state itself in constant time before anything else.
 * - A login leaves the registry as soon as it settles: its `state` is single-use. What became of it is kept a
 *   while (TOMBSTONE_MS, at most MAX_TOMBSTONES), so a second use, an expired or a cancelled login gets a page
 *   saying so, not the one for a forged state. Nothing a callback with an unknown or finished `state` says is
 *   believed, and no pending login is touched by it.
 * - Requests a web page fires in the background (Sec-Fetch-Dest other than `document`) are ignored, as the
 *   loopback receiver does: the authorization server's redirect is a top-level navigation.
 * - Replicas behind one address (a shared store): a callback for a `state` this process does not hold is handed to
 *   the replica that does (LoginRelay), which judges it exactly as if the browser had reached it; what comes back
 *   is a verdict, and the page is made here.
 */
import { createHash } from 'node:crypto';
import { PAGE_HEADERS } from './callbackPages.js';
import { backgroundRequestPage, missingStatePage, verdictPage, type CallbackVerdict, type FinishedLogin, type PageAnswer } from './serverPages.js';

/** How long what became of a finished login is remembered: 1 hour. */
export const TOMBSTONE_MS = 60 * 60_000;
/** At most this many finished logins are remembered (the oldest are forgotten first). */
export const MAX_TOMBSTONES = 256;

/** One login as the registry sees it (serverReceiver.ts implements it). */
export interface PendingLogin {
  /** stateKey() of its `state`. */
  readonly key: string;
  /** Judges the callback that carries this login's `state` key. */
  answer(params: URLSearchParams, cookieHeader: string | undefined): CallbackVerdict;
}

/** Logins held by other replicas (src/oauth/store/redis/loginRelay.ts). */
export interface LoginRelay {
  /** This process holds the login `key` now (others may hand it its callback). */
  claim(key: string): void;
  /** It does not any more. */
  release(key: string): void;
  /** The verdict of the replica holding `key` on this callback, or undefined when none holds it (or it did not answer). */
  forward(key: string, params: URLSearchParams, request: CallbackRequest): Promise<CallbackVerdict | undefined>;
  /** Callbacks other replicas hand over are judged by `judge`. */
  serve(judge: (key: string, params: URLSearchParams, request: CallbackRequest) => CallbackVerdict): void;
}

/** What the callback route passes on from the request besides the query. */
export interface CallbackRequest {
  cookie?: string | undefined;
  /** Sec-Fetch-Dest, when the browser sent it. */
  secFetchDest?: string | undefined;
}

/** The registry key of a `state`. */
export function stateKey(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('base64url');
}

export interface PendingLoginsOptions {
  /** The connections page the callback pages link back to (known once mcpo listens). */
  connectionsUrl?: () => string | undefined;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
}

export class PendingLogins {
  /** Headers of the callback's pages. */
  readonly pageHeaders = PAGE_HEADERS;
  private readonly pending = new Map<string, PendingLogin>();
  private readonly finished = new Map<string, { how: FinishedLogin; at: number }>();
  private relay: LoginRelay | undefined;

  constructor(private readonly options: PendingLoginsOptions = {}) {}

  /** Replicas: callbacks for logins held elsewhere go there, and theirs for ours come here. */
  useRelay(relay: LoginRelay): void {
    this.relay = relay;
    relay.serve((key, params, request) => this.verdict(key, params, request));
    for (const key of this.pending.keys()) relay.claim(key);
  }

  /** The connections page, for pages and announcements (undefined before mcpo listens). */
  connectionsUrl(): string | undefined {
    return this.options.connectionsUrl?.();
  }

  /** Adds a login; its callback is answered by it until finish(). */
  register(login: PendingLogin): void {
    this.pending.set(login.key, login);
    this.relay?.claim(login.key);
  }

  /** Removes a login for good, remembering how it ended. Idempotent. */
  finish(key: string, how: FinishedLogin): void {
    if (!this.pending.delete(key)) return;
    this.relay?.release(key);
    this.finished.delete(key);
    this.finished.set(key, { how, at: this.now() });
    for (const oldest of this.finished.keys()) {
      if (this.finished.size <= MAX_TOMBSTONES) break;
      this.finished.delete(oldest);
    }
  }

  /** How many logins wait for their callback. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * GET {prefix}/oauth/callback: the page to answer with (the login it belongs to settles, if any). A promise only
   * when the login may be another replica's.
   */
  callback(params: URLSearchParams, request: CallbackRequest = {}): PageAnswer | Promise<PageAnswer> {
    const connections = this.connectionsUrl();
    if (request.secFetchDest !== undefined && request.secFetchDest !== 'document') return backgroundRequestPage();
    const state = params.get('state');
    if (state === null || state === '') return missingStatePage(connections);
    const key = stateKey(state);
    const local = this.verdict(key, params, request);
    const relay = this.relay;
    if (local.kind !== 'unknown' || !relay) return verdictPage(local, connections);
    return relay.forward(key, params, request).then((remote) => verdictPage(remote ?? local, connections));
  }

  /** This process's verdict on a callback for `key` (never asks another replica). */
  private verdict(key: string, params: URLSearchParams, request: CallbackRequest): CallbackVerdict {
    const login = this.pending.get(key);
    if (login) return login.answer(params, request.cookie);
    const finished = this.finished.get(key);
    if (finished && this.now() - finished.at < TOMBSTONE_MS) return { kind: 'finished', how: finished.how };
    return { kind: 'unknown' };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
