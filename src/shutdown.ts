/**
 * The order and the bounds of a clean shutdown (SIGINT/SIGTERM), the one place that decides them:
 *
 *   1. stop accepting connections; idle keep-alive connections are closed as they fall idle;
 *   2. calls in flight get up to `graceMs` (3 s) to finish with their real answer;
 *   3. then the rest are answered 503 SERVER_UNAVAILABLE ("mcpo is shutting down", Retry-After) and cancelled
 *      upstream; connections still open `answerMs` later are cut;
 *   4. every session closes (stdio children: stdin ended, SIGTERM, SIGKILL), waited for up to `stopMs`.
 *
 * At most graceMs + stopMs (4.2 s) in all, inside the CLI's 5 s deadline (src/cli.ts), after which it ends
 * whatever children are left and exits anyway.
 */
import type { Listening } from './server/listen.js';

export interface ShutdownOptions {
  /** How long calls in flight may take to finish. Default 3000 ms. */
  graceMs: number;
  /** After the calls were stopped, how long their 503 answers may take to be written. Default 250 ms. */
  answerMs: number;
  /** How long closing every session may take. Default 1200 ms. */
  stopMs: number;
}

export const DEFAULT_SHUTDOWN: Readonly<ShutdownOptions> = { graceMs: 3_000, answerMs: 250, stopMs: 1_200 };

export interface ShutdownSteps {
  server: Pick<Listening, 'close' | 'closeAllConnections'>;
  /** Answers every call still in flight with 503 and cancels it upstream (createApp's stopCalls). */
  stopCalls(): void;
  /** Closes every session (the Manager's stop). */
  stopSessions(): Promise<void>;
}

/** Runs the shutdown steps within their bounds; never rejects. */
export async function shutDown(steps: ShutdownSteps, options: Partial<ShutdownOptions> = {}): Promise<void> {
  const { graceMs, answerMs, stopMs } = { ...DEFAULT_SHUTDOWN, ...options };
  const drained = steps.server.close();
  if (await settlesWithin(drained, graceMs)) {
    await settlesWithin(steps.stopSessions(), stopMs);
    return;
  }
  steps.stopCalls();
  // The calls were answered as they were stopped: the sessions can close while the answers are written.
  await Promise.all([
    settlesWithin(drained, answerMs).then((closed) => closed || steps.server.closeAllConnections()),
    settlesWithin(steps.stopSessions(), stopMs),
  ]);
}

/** Whether `promise` settled within `ms`; a rejection counts as settled, and is not passed on. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
