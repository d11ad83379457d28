/**
 * Many waiters on one long-lived AbortSignal (a transport's), at the cost of one listener on it.
 * Node's EventTarget scans its listener list on every add and warns past 10 (MaxListenersExceededWarning);
 * a transport with hundreds of requests in flight would pay for both.
 */

interface Fanout {
  waiters: Set<() => void>;
  listener: () => void;
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `callback` once when `signal` aborts (not if it already has: check `signal.aborted` first).
 * Returns the function that stops watching; the signal's own listener goes when nobody watches any more.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let fanout = fanouts.get(signal);
  if (!fanout) {
    const waiters = new Set<() => void>();
    const listener = () => {
      fanouts.delete(signal);
      for (const waiter of [...waiters]) waiter();
      waiters.clear();
    };
    fanout = { waiters, listener };
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', listener, { once: true });
  }
  const own = fanout;
  const entry = () => callback();
  own.waiters.add(entry);
  return () => {
    if (!own.waiters.delete(entry) || own.waiters.size > 0) return;
    // Last waiter gone: drop the signal's listener too, so an idle transport's signal holds nothing.
    if (fanouts.get(signal) === own) fanouts.delete(signal);
    signal.removeEventListener('abort', own.listener);
  };
}

/** How many waiters `signal` has (for tests and diagnostics). */
export function waitersOn(signal: AbortSignal): number {
  return fanouts.get(signal)?.waiters.size ?? 0;
}
