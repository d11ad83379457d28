import { describe, expect, it } from 'vitest';
import { Backoff, DEFAULT_REFUSED_LIST_BACKOFF, ReconnectBackoff } from '../../src/mcp/backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap, with jitter between half and the whole delay', () => {
    const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(() => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([1, 2, 3].map(() => low.next())).toEqual([50, 100, 200]);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 10, random: () => 1 });
    backoff.next();
    backoff.next();
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });
});

describe('ReconnectBackoff', () => {
  it('after a refused tool list waits the longer of its own backoff and the refused-list one, which grows only with refusals', () => {
    const backoff = new ReconnectBackoff({ backoff: { initialMs: 100, maxMs: 1000, random: () => 1 }, refusedList: { initialMs: 5000, maxMs: 20_000, random: () => 1 } });
    expect(backoff.next(false)).toBe(100);
    expect(backoff.next(true)).toBe(5000);
    expect(backoff.next(false)).toBe(400);
    expect(backoff.next(true)).toBe(10_000);
    expect(backoff.attempts).toBe(4);
    backoff.reset();
    expect(backoff.next(true)).toBe(5000);
  });

  it('waits 30 s to 1 min after a first refused list by default', () => {
    expect(new ReconnectBackoff({ refusedList: { ...DEFAULT_REFUSED_LIST_BACKOFF, random: () => 0 } }).next(true)).toBe(30_000);
    expect(new ReconnectBackoff({ refusedList: { ...DEFAULT_REFUSED_LIST_BACKOFF, random: () => 0.999999 } }).next(true)).toBe(60_000);
  });
});
