/**
 * A per-user OAuth server (`"perUser": true`): one MCP session per mcpo user, each with that user's own ServerAuth
 * (own token file, logins, refreshes), opened on the user's first call and closed when idle. A call without a user
 * (the operator) uses the operator's session, as for any other server.
 *
 * Decisions:
 * - A user's session is opened only when they have saved credentials; otherwise the call answers 401
 *   NEEDS_AUTHORIZATION with their own signed link to connect, and no session (nor slot) is taken.
 * - Concurrent first calls of one user open one session: they join the opening under way (single flight), and
 *   each is counted as in flight from the moment it joins, so the new session cannot be closed under them.
 * - At most `maxSessions` users' sessions are open. A new one closes the least recently used idle one; when every
 *   one has a call in flight, the call is answered 503 with Retry-After (the operator's session is not counted).
 * - A session without calls for `idleTimeoutMs` closes; the user's next call opens a new one (their tokens stay).
 * - Documents come from one session's list: the operator's when connected, else the first user session with tools;
 *   once every session has closed (idle), the last list seen. Otherwise the tools would leave the documents after
 *   the idle timeout, and a front-end that offers its model only documented tools (Open WebUI) would never call
 *   again, so no user could ever reopen a session. A user's call is checked against their own session's list.
 * - Users are kept apart by construction: a session is created with the ServerAuth of its user and found only by
 *   that user's name, which the call names (src/server/caller.ts), never by anything the request body says.
 */
import type { PerUserConfig, ServerEntry } from '../config/types.js';
import { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { callerNeedsAuthorization } from './callerAuthorization.js';
import type { CallOptions, CallSignal, CallToolResult, ServerHandle, ServerStatus, SessionAuth, Tool } from './types.js';
import { unavailable } from './unavailable.js';

/** What this handle needs of a session (Session implements it). */
export interface UserSession extends ServerHandle {
  connect(): Promise<void>;
  close(): Promise<void>;
  /** Waits (bounded) until the session can take calls; rejects with the 503/NEEDS_AUTHORIZATION that explains why not. */
  awaitReady(waitMs: number, signal?: CallSignal): Promise<unknown>;
}

export interface PerUserServerOptions {
  entry: ServerEntry;
  config: PerUserConfig;
  logger: Logger;
  /** The operator's session (started by the Manager like any other). */
  operator: UserSession;
  /** A new session for `user`, with `auth` as its transport's OAuth, reporting its changes to `onChange`; not yet connecting. */
  openSession(user: string, auth: SessionAuth, onChange: (kind: 'tools' | 'status') => void): UserSession;
  /** The ServerAuth of `user` for this server. */
  authFor(user: string): SessionAuth | undefined;
  /** Called after every change the HTTP layer must know about. */
  onChange(kind: 'tools' | 'status'): void;
  /** How long a call waits for its user's session to connect. */
  callWaitMs: number;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
}

/** Retry-After of the 503 when every user session is busy: a call usually ends within seconds. */
const BUSY_RETRY_AFTER_SECONDS = 2;

interface Slot {
  readonly user: string;
  readonly session: UserSession;
  /** Calls holding the session: it is not closed for idleness or room while any is. */
  inFlight: number;
  idleTimer: NodeJS.Timeout | undefined;
}

interface Opening {
  promise: Promise<Slot>;
  /** Calls waiting for this opening: all are in flight on the slot it makes. */
  claims: number;
}

export class PerUserServer implements ServerHandle {
  /** The last non-empty tool list a session showed (documents keep it once every session closed). */
  private lastListed: readonly Tool[] = [];
  readonly name: string;
  /** Open users' sessions, least recently used first (a slot is moved to the end when a call takes it). */
  private readonly slots = new Map<string, Slot>();
  private readonly openings = new Map<string, Opening>();
  /** The list the documents show, as last reported (a change of it is a 'tools' change). */
  private documented: readonly Tool[] = [];
  /** The user session the documents come from while the operator's is not connected: kept while it lists tools, so the documents do not follow whoever called last. */
  private documenting: UserSession | undefined;
  private closed = false;

  constructor(private readonly options: PerUserServerOptions) {
    this.name = options.entry.name;
  }

  /** Reports changes of the operator's session (the Manager created it with this as its listener). */
  operatorChanged = (kind: 'tools' | 'status'): void => this.sessionChanged(kind);

  connect(): Promise<void> {
    return this.options.operator.connect();
  }

  status(): ServerStatus {
    const base = this.options.operator.status();
    const source = this.source();
    // Served (documented, callable) from a user's session, or from the last list seen once they all closed.
    const fromUser = (source !== undefined && source !== this.options.operator) || (source === undefined && this.lastListed.length > 0);
    return {
      ...base,
      // Served (documented, callable) as soon as one user's session lists the tools, though the operator never connected.
      ...(fromUser ? { state: 'connected' as const } : {}),
      tools: this.tools().length,
      perUser: { sessions: this.slots.size, limit: this.options.config.maxSessions },
    };
  }

  tools(): readonly Tool[] {
    const listed = this.source()?.tools();
    if (listed && listed.length > 0) this.lastListed = listed;
    return listed && listed.length > 0 ? listed : this.lastListed;
  }

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    const user = options.user;
    if (user === undefined) return this.options.operator.callTool(tool, args, options);
    if (this.closed) throw unavailable(this.name, 'the server was stopped');
    const slot = await this.acquire(user);
    try {
      await slot.session.awaitReady(this.options.callWaitMs, options.signal);
      if (!slot.session.tools().some((listed) => listed.name === tool)) {
        throw new McpoError('TOOL_NOT_FOUND', `Server "${this.name}" has no tool named "${tool}" for you`, { details: { server: this.name, tool } });
      }
      return await slot.session.callTool(tool, args, options);
    } catch (error) {
      throw this.forUser(error, user);
    } finally {
      this.release(slot);
    }
  }

  /** Closes every session, the operator's too. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = [...this.slots.values()].map((slot) => this.closeSlot(slot, 'the server was stopped'));
    await Promise.all([this.options.operator.close(), ...closing]);
  }

  /** `user`'s slot, counted as in flight for this call: the open session, the one being opened, or a new one. */
  private acquire(user: string): Promise<Slot> {
    const slot = this.slots.get(user);
    if (slot) {
      slot.inFlight++;
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      // Most recently used: last in the map's order.
      this.slots.delete(user);
      this.slots.set(user, slot);
      return Promise.resolve(slot);
    }
    let opening = this.openings.get(user);
    if (!opening) {
      const started: Opening = { claims: 0, promise: Promise.resolve(undefined as never) };
      started.promise = this.open(user, started);
      this.openings.set(user, started);
      opening = started;
    }
    opening.claims++;
    return opening.promise;
  }

  private async open(user: string, opening: Opening): Promise<Slot> {
    try {
      const auth = this.options.authFor(user);
      if (!auth || !(await (auth.hasCredentials?.() ?? Promise.resolve(false)))) {
        throw callerNeedsAuthorization(this.name, user, auth?.connectionsUrl?.());
      }
      if (this.closed) throw unavailable(this.name, 'the server was stopped');
      this.makeRoom();
      let slot: Slot | undefined;
      const session = this.options.openSession(user, auth, (kind) => {
        if (slot && this.slots.get(user) === slot) this.sessionChanged(kind);
      });
      slot = { user, session, inFlight: opening.claims, idleTimer: undefined };
      this.slots.set(user, slot);
      this.options.logger.info('user session opened', { server: this.name, user, sessions: this.slots.size });
      void session.connect();
      this.options.onChange('status');
      return slot;
    } finally {
      this.openings.delete(user);
    }
  }

  /** Closes the least recently used idle session while the limit is reached; 503 when every one is busy. */
  private makeRoom(): void {
    while (this.slots.size >= this.options.config.maxSessions) {
      const idle = [...this.slots.values()].find((slot) => slot.inFlight === 0);
      if (!idle) {
        throw unavailable(this.name, `all ${this.options.config.maxSessions} user sessions (perUserMaxSessions) have calls in flight`, undefined, BUSY_RETRY_AFTER_SECONDS);
      }
      void this.closeSlot(idle, 'least recently used, for another user');
    }
  }

  private release(slot: Slot): void {
    slot.inFlight--;
    if (slot.inFlight > 0 || this.slots.get(slot.user) !== slot) return;
    slot.idleTimer = setTimeout(() => {
      if (slot.inFlight === 0 && this.slots.get(slot.user) === slot) void this.closeSlot(slot, 'idle');
    }, this.options.config.idleTimeoutMs);
    slot.idleTimer.unref?.();
  }

  private closeSlot(slot: Slot, why: string): Promise<void> {
    clearTimeout(slot.idleTimer);
    if (this.slots.get(slot.user) === slot) this.slots.delete(slot.user);
    this.options.logger.info('user session closed', { server: this.name, user: slot.user, why, sessions: this.slots.size });
    const closed = slot.session.close();
    this.sessionChanged('tools');
    return closed;
  }

  /** A session's change: the documents change only when the list they show does. */
  private sessionChanged(kind: 'tools' | 'status'): void {
    if (kind === 'tools') {
      const now = this.tools();
      if (now !== this.documented) {
        this.documented = now;
        this.options.onChange('tools');
        return;
      }
    }
    this.options.onChange('status');
  }

  /** The session the documents come from: the operator's when connected, else the first user session with tools. */
  private source(): UserSession | undefined {
    const { operator } = this.options;
    if (operator.status().state === 'connected') return operator;
    const kept = this.documenting;
    if (kept && kept.tools().length > 0 && [...this.slots.values()].some((slot) => slot.session === kept)) return kept;
    this.documenting = [...this.slots.values()].find((slot) => slot.session.tools().length > 0)?.session;
    return this.documenting;
  }

  /** A failure as the user sees it: their session needs an authorization → 401 with their own link. */
  private forUser(error: unknown, user: string): unknown {
    if (!(error instanceof McpoError) || error.code !== 'NEEDS_AUTHORIZATION' || error.details?.user === user) return error;
    return callerNeedsAuthorization(this.name, user, this.options.authFor(user)?.connectionsUrl?.());
  }
}
