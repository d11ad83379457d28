/**
 * A call that arrives while its server is still connecting has no compiled tool to validate against.
 * Rather than sending it upstream unvalidated, wait (bounded) for the server's tool list to arrive.
 */
import type { CallSignal, ServerRegistry } from '../mcp/types.js';

/** How long a call waits for a connecting server's tool list; the session's own wait is the same. */
export const DEFAULT_TOOLS_WAIT_MS = 5_000;

/** Resolves when `server` reports its tools or leaves the connecting state, at `timeoutMs`, or on abort. */
export function waitForTools(registry: ServerRegistry, server: string, options: { timeoutMs?: number; signal?: CallSignal } = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener('abort', done);
      resolve();
    };
    const unsubscribe = registry.onChange((name, kind) => {
      if (name !== server) return;
      const state = registry.get(server)?.status().state;
      if (kind === 'tools' || kind === 'removed' || state !== 'connecting') done();
    });
    const timer = setTimeout(done, options.timeoutMs ?? DEFAULT_TOOLS_WAIT_MS);
    options.signal?.addEventListener('abort', done);
  });
}
