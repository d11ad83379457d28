/**
 * The abort signal handed to the upstream tool call: fires when the HTTP client goes away before the
 * response is written. An AbortController per request is measurably costly on Node 20 on the hot path; this
 * listens to the Node response's `close` instead and builds nothing else unless the client really leaves.
 *
 * While mcpo shuts down, the same signal aborts when it stops waiting for calls in flight (ShuttingDown), with
 * the 503 they are to be answered with as its reason.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CallSignal } from '../mcp/types.js';
import type { ShuttingDown } from './shuttingDown.js';

type Listener = (event: Event) => void;

const PREMATURE_CLOSE = 'Client connection prematurely closed.';

/**
 * Callbacks of the pipelined responses waiting for their turn on a connection: one close listener per
 * connection for all of them (one each made Node warn of a listener leak past ten waiting calls).
 */
const waitingOn = new WeakMap<Socket, Set<() => void>>();

/** Calls `callback` when `socket` closes; returns the function that cancels that. */
function onConnectionClose(socket: Socket, callback: () => void): () => void {
  let waiting = waitingOn.get(socket);
  if (!waiting) {
    const callbacks = new Set<() => void>();
    waitingOn.set(socket, callbacks);
    socket.once('close', () => {
      waitingOn.delete(socket);
      for (const waiter of callbacks) waiter();
    });
    waiting = callbacks;
  }
  waiting.add(callback);
  return () => waiting.delete(callback);
}

/** A CallSignal: the members of an AbortSignal that the MCP SDK's Protocol.request, the session and waitForTools use. */
class ResponseCloseSignal implements CallSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: Listener | null = null;
  private listeners: Listener[] | undefined;

  constructor(outgoing: ServerResponse, shutdown: ShuttingDown | undefined) {
    const stopListening = shutdown?.onStop(() => {
      // The 503 is the connection's last answer: mcpo is about to close it.
      outgoing.shouldKeepAlive = false;
      this.abort(shutdown.reason);
    });
    // Same condition as @hono/node-server's own close handler: closed before the response finished.
    const closed = (): void => {
      stopListening?.();
      if (!outgoing.writableFinished) this.abort(new Error(PREMATURE_CLOSE));
    };
    outgoing.once('close', closed);
    // A pipelined response waits without a socket for the ones before it, and gets no close event if the
    // connection ends meanwhile: watch the connection itself until the response closes.
    const waiting = outgoing.socket === null ? outgoing.req.socket : null;
    if (waiting) outgoing.once('close', onConnectionClose(waiting, closed));
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(type: string, listener: Listener): void {
    if (type === 'abort') (this.listeners ??= []).push(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    if (type !== 'abort' || !this.listeners) return;
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  private abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const event = new Event('abort');
    this.onabort?.(event);
    for (const listener of this.listeners?.splice(0) ?? []) listener(event);
  }
}

/**
 * A signal that aborts when the client disconnects before `outgoing` is complete (already aborted when the
 * connection is gone by now, e.g. while the body was read: its close event will not come again), or when
 * `shutdown` stops the calls in flight.
 */
export function responseCloseSignal(outgoing: ServerResponse, shutdown?: ShuttingDown): CallSignal {
  // No socket of its own yet: a pipelined response waiting for its turn, on its request's connection.
  const socket = outgoing.socket ?? outgoing.req.socket;
  if (outgoing.destroyed || socket === null || socket.destroyed) return AbortSignal.abort(new Error(PREMATURE_CLOSE));
  if (shutdown?.reason) {
    outgoing.shouldKeepAlive = false;
    return AbortSignal.abort(shutdown.reason);
  }
  return new ResponseCloseSignal(outgoing, shutdown);
}
