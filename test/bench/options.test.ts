import { describe, expect, it } from 'vitest';
import { parseBenchOptions, parseRate } from '../../bench/options.js';
import { mergeRounds, plan, type ScenarioResult } from '../../bench/scenarios.js';

describe('bench --rate', () => {
  it('takes one rate for both transports, or one per transport', () => {
    expect(parseRate(undefined)).toEqual({});
    expect(parseRate('3000')).toEqual({ stdio: 3000, http: 3000 });
    expect(parseRate('stdio=4000,http=900')).toEqual({ stdio: 4000, http: 900 });
    expect(parseRate('http=900')).toEqual({ http: 900 });
  });

  it('names what is wrong with a bad rate', () => {
    expect(() => parseRate('fast')).toThrow('--rate needs whole numbers of requests per second above 0, got "fast"');
    expect(() => parseRate('stdio=0')).toThrow('got "0" in "stdio=0"');
    expect(() => parseRate('sse=10')).toThrow('unknown transport "sse"');
    expect(() => parseBenchOptions(['--rate', '-5'])).toThrow('--rate');
  });

  it('paces only the mcpo rows at the throughput concurrency, and their alt- rows', () => {
    const options = { ...(parseBenchOptions(['--rate', 'stdio=4000,http=900']) as Exclude<ReturnType<typeof parseBenchOptions>, 'help'>), compareBin: '/x/bin/mcpo.js' };
    const paced = plan(options).filter((s) => s.rate !== undefined).map((s) => [s.id, s.rate]);
    expect(paced).toEqual([
      ['mcpo-http-c32', 900],
      ['alt-http-c32', 900],
      ['mcpo-stdio-c32', 4000],
      ['alt-stdio-c32', 4000],
    ]);
  });
});

describe('mergeRounds', () => {
  const row = (rps: number, cpuUs: number, errors = 0): ScenarioResult =>
    ({ id: 'mcpo-stdio-c32', rps, cpuMsPerRequest: cpuUs / 1000, errors, errorBreakdown: { connection: errors } }) as unknown as ScenarioResult;

  it('keeps the median req/s round, the median CPU per request of all rounds, and every error', () => {
    const merged = mergeRounds([[row(100, 300)], [row(300, 100, 2)], [row(200, 250)]]);
    expect(merged[0]).toMatchObject({ rps: 200, cpuMsPerRequest: 0.25, roundsCpuUs: [300, 100, 250], roundsRps: [100, 300, 200], errors: 2 });
  });
});
