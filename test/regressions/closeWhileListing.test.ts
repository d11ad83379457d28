// Review: Session.close() does not close a client whose attempt is past initialize and waiting for tools/list
// (`this.opening` is cleared when connectWith returns): close() resolves with the stdio child still running, until
// the connect timeout (30 s) ends the attempt. Manager.remove() (hot reload) returns with the old child alive.
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { processesWith } from '../helpers/processes.js';
import { demoEntry, testManager } from '../mcp/fixtures.js';

const HANG = fileURLToPath(new URL('../helpers/hangingToolsList.mjs', import.meta.url));
const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

it('stopping a server whose tools/list has not answered ends its child', async () => {
  const marker = `--review-hang-${Math.random().toString(36).slice(2)}`;
  const { m } = testManager(managers, {});
  m.start([demoEntry({ name: 'hang', args: [HANG, marker] })]);
  await expect.poll(() => processesWith(marker), { timeout: 10_000 }).toHaveLength(1);
  await new Promise((r) => setTimeout(r, 2_000)); // initialize done; tools/list pending
  await m.stop();
  await new Promise((r) => setTimeout(r, 1_500)); // the stdio close steps: SIGTERM at 0.5 s, SIGKILL at 1 s
  const left = await processesWith(marker);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  expect(left).toEqual([]);
}, 20_000);
