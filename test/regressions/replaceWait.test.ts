// Review: a call that finds its session lost waits for the whole new connect attempt (host.replace awaits
// Session.connect(), bounded only by the 30 s connect timeout), ignoring its own timeout and its caller's abort.
import { afterEach, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { startHttpMcpServer } from '../helpers/httpMcpServer.js';
import { testManager } from '../mcp/fixtures.js';

const managers: Manager[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

it('a call with a 2 s timeout whose session is lost answers within its timeout, and when its caller leaves', async () => {
  const upstream = await startHttpMcpServer();
  closers.push(() => upstream.close());
  const { m } = testManager(managers, { backoff: { initialMs: 100, maxMs: 300 }, pingIntervalMs: 0 });
  m.start([{ kind: 'streamable-http', name: 'remote', url: upstream.url, headers: {}, disabledTools: [], timeoutMs: 2_000 }]);
  await m.settled();
  upstream.forgetSessions();
  upstream.delayInitialize(8_000);
  const caller = new AbortController();
  setTimeout(() => caller.abort(), 500); // the REST client leaves after 0.5 s
  const started = performance.now();
  const outcome = await m.get('remote')!.callTool('echo', { message: 'x' }, { signal: caller.signal }).then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );
  const elapsed = performance.now() - started;
  expect({ outcome, within: elapsed < 2_500 }).toEqual({ outcome: 'CANCELLED', within: true });
}, 20_000);
