/**
 * The moment mcpo stops waiting for the tool calls in flight while it shuts down. From then on every call
 * is answered 503 SERVER_UNAVAILABLE ("mcpo is shutting down", with Retry-After) rather than having its
 * connection cut: the signal each call runs with (disconnectSignal.ts) aborts with that error as its reason;
 * the wait for a turn or a connection ends, the upstream request is cancelled (notifications/cancelled), and
 * mapCallError (src/mcp/callErrors.ts) answers the call with the reason.
 */
import { McpoError } from '../errors.js';

/** Retry-After of the shutdown answer: about as long as a restart of mcpo takes. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 5;

/** 503 for a call that mcpo stopped waiting for because it is shutting down. */
export function shuttingDownError(): McpoError {
  return new McpoError('SERVER_UNAVAILABLE', 'mcpo is shutting down', {
    headers: { 'Retry-After': String(SHUTDOWN_RETRY_AFTER_SECONDS) },
  });
}

export class ShuttingDown {
  private error: McpoError | undefined;
  /** One callback per call in flight (not one abort listener each on a shared signal: Node warns past ten). */
  private readonly waiting = new Set<() => void>();

  /** The answer for calls once they are stopped; undefined until then. */
  get reason(): McpoError | undefined {
    return this.error;
  }

  /** Answers every call in flight with the shutdown error, and any later call at once. Idempotent. */
  stopCalls(): void {
    if (this.error) return;
    this.error = shuttingDownError();
    for (const callback of [...this.waiting]) callback();
    this.waiting.clear();
  }

  /** Calls `callback` once when calls are stopped (at once if they are); returns the function that cancels that. */
  onStop(callback: () => void): () => void {
    if (this.error) {
      callback();
      return () => {};
    }
    this.waiting.add(callback);
    return () => this.waiting.delete(callback);
  }
}
