/**
 * At most `limit` tool calls in flight to one server; the rest wait their turn, first come first served.
 *
 * Why (issue #6): Node accepts one new connection per event-loop turn (libuv#3696), and a turn handles
 * every upstream answer that has arrived. With hundreds of calls in flight a turn lasts hundreds of
 * milliseconds, so new clients wait seconds just to be accepted (the benchmark's 256-connection run timed
 * out requests at 10 s). Bounding the calls in flight bounds the turn; waiting calls cost nothing upstream,
 * leave in arrival order, and one whose client went away is dropped before it is ever sent.
 */

import type { CallSignal } from './types.js';

export const DEFAULT_MAX_CONCURRENT_CALLS = 32;

/** Why a call never got its turn. */
export class CallQueueTimeoutError extends Error {
  constructor(
    readonly waitedMs: number,
    readonly limit: number,
  ) {
    super(`waited ${Math.round(waitedMs)} ms behind ${limit} calls in flight (maxConcurrentCalls ${limit})`);
    this.name = 'CallQueueTimeoutError';
  }
}

interface Waiter {
  grant: () => void;
  fail: (error: unknown) => void;
}

export interface AcquireOptions {
  /** Aborting it leaves the queue at once (rejecting with the signal's reason). */
  signal?: CallSignal;
  /** Longest wait for a turn, ms; then CallQueueTimeoutError. Default: no limit. */
  maxWaitMs?: number;
}

export class CallLimiter {
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  /** Set by close(): what every later acquire() rejects with. */
  private closedWith: { error: unknown } | undefined;

  /** `limit`: a positive whole number. */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive whole number, got ${limit}`);
  }

  /** Calls in flight and calls waiting (for status pages and tests). */
  get load(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight, waiting: this.waiting.length };
  }

  /** Waits for a turn; the returned function ends it (call it exactly once, when the call has settled). */
  acquire(options: AcquireOptions = {}): Promise<() => void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closedWith) return Promise.reject(this.closedWith.error);
    if (this.inFlight < this.limit && this.waiting.length === 0) {
      this.inFlight++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          this.inFlight++;
          resolve(this.releaser());
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      const onAbort = () => waiter.fail(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.maxWaitMs !== undefined) {
        timer = setTimeout(() => waiter.fail(new CallQueueTimeoutError(performance.now() - started, this.limit)), options.maxWaitMs);
      }
      this.waiting.push(waiter);
    });
  }

  /**
   * No more turns: every waiting call fails with `error` now, and so does every later acquire(). Why: the
   * server is going away (removed, shutting down), and the calls in flight ahead of the waiting ones may
   * take long to end (a child that lingers, a silent server), so their turns would come only at their timeout.
   */
  close(error: unknown): void {
    this.closedWith ??= { error };
    for (const waiter of [...this.waiting]) waiter.fail(this.closedWith.error);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.waiting[0]?.grant();
    };
  }
}
