/**
 * A stopped session stays stopped: a reconnect that was already on its way when the session closed (a
 * restart after an expired session, say) must not start a new connection or child afterwards.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import type { Session } from '../../src/mcp/session.js';
import { processesWith } from '../helpers/processes.js';
import { demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

describe('a stopped session', () => {
  it('ignores a late connect(): its state stays stopped and no child is started', async () => {
    const marker = `--marker-${randomUUID()}`;
    const { m } = testManager(managers, { backoff: { initialMs: 600_000 } });
    m.start([demoEntry({ args: [...demoEntry().args, marker] })]);
    await m.settled();
    const session = m.get('demo') as unknown as Session;
    expect(await processesWith(marker)).toHaveLength(1);
    await m.remove('demo');
    await expect.poll(() => processesWith(marker)).toEqual([]);
    // What a restart that was under way when close() ran does next.
    await session.connect();
    expect(session.status().state).toBe('stopped');
    expect(await processesWith(marker)).toEqual([]);
  });
});
