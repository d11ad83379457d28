/** One refresh in flight and one queued, however many requests (issue #14: a list_changed flood). */
import { expect, it } from 'vitest';
import { CoalescedRuns } from '../../src/mcp/coalescedRuns.js';

it('runs once for the first request and once more for every request made while it ran, together', async () => {
  let runs = 0;
  let release: () => void = () => {};
  const runsTask = new CoalescedRuns(() => {
    runs++;
    return new Promise<void>((resolve) => (release = resolve));
  });
  runsTask.request();
  for (let i = 0; i < 1000; i++) runsTask.request();
  expect(runs).toBe(1);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  expect(runs).toBe(2);
  release();
  await runsTask.idle();
  expect(runs).toBe(2);
  runsTask.request();
  expect(runs).toBe(3);
  release();
  await runsTask.idle();
});

it('keeps serving requests after a run that failed', async () => {
  let runs = 0;
  const runsTask = new CoalescedRuns(async () => {
    runs++;
    throw new Error('refresh failed');
  });
  runsTask.request();
  await runsTask.idle();
  runsTask.request();
  await runsTask.idle();
  expect(runs).toBe(2);
});
