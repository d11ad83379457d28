import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/oauth/singleFlight.js';

describe('SingleFlight', () => {
  it('shares one in-flight refresh between concurrent callers with the same key', async () => {
    const flights = new SingleFlight<string>();
    let calls = 0;
    let finish!: (v: string) => void;
    const refresh = () => {
      calls++;
      return new Promise<string>((resolve) => (finish = resolve));
    };
    const results = [flights.run('server-a', refresh), flights.run('server-a', refresh), flights.run('server-a', refresh)];
    expect(flights.has('server-a')).toBe(true);
    finish('new-token');
    expect(await Promise.all(results)).toEqual(['new-token', 'new-token', 'new-token']);
    expect(calls).toBe(1);
    expect(flights.has('server-a')).toBe(false);
  });

  it('runs separate keys independently', async () => {
    const flights = new SingleFlight<string>();
    const [a, b] = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')]);
    expect([a, b]).toEqual(['A', 'B']);
  });

  it('shares a failure, then lets the next caller try again', async () => {
    const flights = new SingleFlight<string>();
    let calls = 0;
    const failing = async (): Promise<string> => {
      calls++;
      throw new Error('invalid_grant');
    };
    const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await flights.run('k', async () => 'ok')).toBe('ok');
  });
});
