import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/mcp/backoff.js';

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
