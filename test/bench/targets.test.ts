/**
 * The benchmark's verdicts (bench/targets.ts, issue #15): each target's arithmetic at its boundary, and 'n/a',
 * never PASS, when an input was not measured.
 */
import { describe, expect, it } from 'vitest';
import { commandsBetween, parseCommandStats, type CommandCounts } from '../../bench/redis.js';
import type { ScaleResult } from '../../bench/scale.js';
import type { ScenarioResult } from '../../bench/scenarios.js';
import {
  addedP50Target,
  allScenariosTarget,
  cpuTarget,
  evaluate,
  idleRssTarget,
  MAX_IDLE_RSS_BYTES,
  p99Target,
  ratios,
  scaleTarget,
  startupTarget,
  storeTarget,
  stressTarget,
} from '../../bench/targets.js';

/** A scenario row with the fields the targets read; the rest does not matter to them. */
function row(id: string, fields: { rps?: number; p50?: number; p99?: number; cpuUs?: number; errors?: number; requests?: number; durationS?: number; connections?: number }): ScenarioResult {
  const system = id.split('-')[0] as ScenarioResult['system'];
  const transport = id.includes('-stdio') ? 'stdio' : id.includes('-http') ? 'streamable-http' : undefined;
  return {
    id,
    group: system === 'mcpo' && (fields.connections ?? 32) === 256 ? 'stress' : system,
    system,
    ...(transport ? { transport } : {}),
    workload: 'echo',
    connections: fields.connections ?? Number(/-c(\d+)$/.exec(id)?.[1] ?? 32),
    durationS: fields.durationS ?? 5,
    requests: fields.requests ?? 1000,
    rps: fields.rps ?? 1000,
    latency: { count: 1000, mean: 1, p50: fields.p50 ?? 1, p99: fields.p99 ?? 2, max: 3 },
    errors: fields.errors ?? 0,
    errorBreakdown: {},
    ...(fields.cpuUs === undefined ? {} : { cpuMsPerRequest: fields.cpuUs / 1000 }),
    sample: '',
    topology: '',
  } as ScenarioResult;
}

function scale(connectedMs: number, bareMs: number, idleRss?: number): ScaleResult {
  return {
    servers: 20,
    repeats: 3,
    many: { servers: 20, listeningMs: 300, connectedMs, ...(idleRss === undefined ? {} : { idleRss }) },
    samples: [],
    bare: { manyMs: bareMs, samples: [bareMs] },
  };
}

describe('CPU per proxied call <= 1.0x (H + M)', () => {
  it('passes at exactly H + M and fails above it, naming the factor and both halves', () => {
    expect(cpuTarget('stdio', 32, { mcpoUs: 126, honoUs: 96, directUs: 30 }).verdict).toBe('PASS');
    const over = cpuTarget('stdio', 32, { mcpoUs: 159, honoUs: 96, directUs: 30 });
    expect(over.verdict).toBe('FAIL');
    expect(over.measured).toBe('1.26x: mcpo 159 µs vs H 96 + M 30 = 126 µs');
  });

  it('is n/a when any of the three CPU figures is missing', () => {
    expect(cpuTarget('stdio', 32, { honoUs: 96, directUs: 30 }).verdict).toBe('n/a');
    expect(cpuTarget('stdio', 32, { mcpoUs: 100, directUs: 30 }).verdict).toBe('n/a');
    expect(cpuTarget('stdio', 32, { mcpoUs: 100, honoUs: 96 }).verdict).toBe('n/a');
  });
});

describe('start-up', () => {
  it('mcpo exec -> /healthz passes at 2x the bare Hono server and fails above', () => {
    expect(startupTarget({ honoMs: 200, mcpoMs: 400, repeats: 7 }).verdict).toBe('PASS');
    const slow = startupTarget({ honoMs: 200, mcpoMs: 401, repeats: 7 });
    expect(slow.verdict).toBe('FAIL');
    expect(slow.measured).toContain('2.01x: mcpo 401 ms, bare Hono 200 ms');
    expect(startupTarget(undefined).verdict).toBe('n/a');
  });

  it('a start-up or scale measurement that failed is n/a with its reason, never a pass', () => {
    expect(startupTarget(undefined, 'mcpo exited with 1')).toMatchObject({ verdict: 'n/a', measured: 'not measured: mcpo exited with 1' });
    const targets = evaluate({ results: [], connections: 32, stressConnections: 256, scaleServers: 20, failures: { scale: 'mcpo did not connect every server in time:' } });
    const scaleRows = targets.filter((t) => t.target.startsWith('20 stdio servers') || t.target.startsWith('idle RSS'));
    expect(scaleRows.map((t) => [t.verdict, t.measured])).toEqual([
      ['n/a', 'not measured: mcpo did not connect every server in time:'],
      ['n/a', 'not measured: mcpo did not connect every server in time:'],
    ]);
  });

  it('20 servers pass up to 150 ms over the bare launcher, fail beyond, and show a negative margin as such', () => {
    expect(scaleTarget(scale(1150, 1000), 20).verdict).toBe('PASS');
    expect(scaleTarget(scale(1151, 1000), 20).verdict).toBe('FAIL');
    const faster = scaleTarget(scale(900, 1000), 20);
    expect(faster.verdict).toBe('PASS');
    expect(faster.measured).toMatch(/^-100 ms/);
    expect(scaleTarget(undefined, 20).verdict).toBe('n/a');
  });
});

describe('the kept targets', () => {
  it('added p50 at concurrency 1: +1 ms passes, more fails', () => {
    expect(addedP50Target('stdio', { mcpoMs: 2, directMs: 1 }).verdict).toBe('PASS');
    expect(addedP50Target('stdio', { mcpoMs: 2.001, directMs: 1 }).verdict).toBe('FAIL');
    expect(addedP50Target('stdio', { directMs: 1 }).verdict).toBe('n/a');
  });

  it('p99 at 32 connections: 2x the direct client passes, more fails', () => {
    expect(p99Target('stdio', 32, { mcpoMs: 20, directMs: 10 }).verdict).toBe('PASS');
    expect(p99Target('stdio', 32, { mcpoMs: 20.1, directMs: 10 }).verdict).toBe('FAIL');
    expect(p99Target('stdio', 32, { mcpoMs: 20 }).verdict).toBe('n/a');
  });

  it('256 connections: zero errors over 10 s passes; an error or no completed request fails even in a short window; a clean short window is n/a', () => {
    const stress = (errors: number, requests: number, durationS: number) => row('mcpo-stdio-c256', { errors, requests, durationS, connections: 256 });
    expect(stressTarget('stdio', 256, stress(0, 5000, 10)).verdict).toBe('PASS');
    expect(stressTarget('stdio', 256, stress(1, 5000, 10)).verdict).toBe('FAIL');
    expect(stressTarget('stdio', 256, stress(1, 5000, 2)).verdict).toBe('FAIL');
    expect(stressTarget('stdio', 256, stress(0, 0, 10)).verdict).toBe('FAIL');
    expect(stressTarget('stdio', 256, stress(0, 5000, 2)).verdict).toBe('n/a');
    expect(stressTarget('stdio', 256, undefined).verdict).toBe('n/a');
  });

  it('idle RSS must stay below 120 MB: 120 MB itself fails; no reading is n/a', () => {
    expect(idleRssTarget(scale(1000, 1000, MAX_IDLE_RSS_BYTES - 1), 20).verdict).toBe('PASS');
    expect(idleRssTarget(scale(1000, 1000, MAX_IDLE_RSS_BYTES), 20).verdict).toBe('FAIL');
    expect(idleRssTarget(scale(1000, 1000), 20)).toMatchObject({ verdict: 'n/a', measured: 'no /proc' });
    expect(idleRssTarget(undefined, 20).verdict).toBe('n/a');
  });

  it('errors in any scenario of this build fail; the --compare build (alt-…) does not decide; no scenario is n/a', () => {
    expect(allScenariosTarget([row('hono-c32', {}), row('alt-stdio-c32', { errors: 3 })]).verdict).toBe('PASS');
    expect(allScenariosTarget([row('mcpo-stdio-c32', { errors: 1 })]).verdict).toBe('FAIL');
    expect(allScenariosTarget([row('mcpo-stdio-c32', { requests: 0 })]).verdict).toBe('FAIL');
    expect(allScenariosTarget([]).verdict).toBe('n/a');
  });
});

describe('shared store: no Redis command per call with a valid token (issue #18)', () => {
  const before = { hello: 2, subscribe: 3, get: 1 };

  it('passes with only keep-alive PINGs in the window, and fails on a single other command, naming it', () => {
    const clean = storeTarget(8, { requests: 5000, redisBefore: before, redisWindow: { ping: 1 } });
    expect(clean.verdict).toBe('PASS');
    expect(clean.measured).toBe('0 commands in 5,000 calls (0.000 per call); keep-alive: ping 1; before the window: hello 2, subscribe 3, get 1');
    const one = storeTarget(8, { requests: 5000, redisBefore: before, redisWindow: { ping: 1, get: 1 } });
    expect(one.verdict).toBe('FAIL');
    expect(one.measured).toMatch(/^1 commands in 5,000 calls \(0\.000 per call\): get 1; keep-alive: ping 1;/);
    expect(storeTarget(8, { requests: 5000, redisBefore: before, redisWindow: { get: 5000, publish: 2 } }).measured).toMatch(/^5,002 commands in 5,000 calls \(1\.000 per call\): get 5,000, publish 2;/);
  });

  it('is n/a when not measured (with the reason) or when mcpo read nothing from that Redis; a window without calls fails', () => {
    expect(storeTarget(32, undefined, 'redis-server did not start').measured).toBe('not measured: redis-server did not start');
    expect(storeTarget(32, undefined).verdict).toBe('n/a');
    expect(storeTarget(32, { requests: 5000 }).verdict).toBe('n/a');
    expect(storeTarget(32, { requests: 5000, redisBefore: { hello: 2 }, redisWindow: {} }).verdict).toBe('n/a');
    expect(storeTarget(32, { requests: 0, redisBefore: before, redisWindow: {} }).verdict).toBe('FAIL');
  });

  it('counts what others sent between two INFO commandstats readings, less the INFO that made the first', () => {
    const info = '# Commandstats\r\ncmdstat_get:calls=7,usec=30,usec_per_call=4.29,rejected_calls=0,failed_calls=0\r\ncmdstat_client|setinfo:calls=4,usec=2\r\ncmdstat_info:calls=3,usec=90\r\n';
    expect(parseCommandStats(info)).toEqual({ get: 7, 'client|setinfo': 4, info: 3 });
    expect(commandsBetween({ get: 7, info: 3, ping: 1 }, { get: 7, info: 4, ping: 2, publish: 1 })).toEqual({ ping: 1, publish: 1 });
  });
});

describe('evaluate', () => {
  const m = { connections: 32, stressConnections: 256, scaleServers: 20 };

  it('with nothing measured, lists every target as n/a', () => {
    const targets = evaluate({ ...m, results: [] });
    expect(targets).toHaveLength(12);
    expect(new Set(targets.map((t) => t.verdict))).toEqual(new Set(['n/a']));
  });

  it('judges stdio from its own rows and leaves HTTP, whose rows are missing, n/a', () => {
    const results = [row('hono-c32', { cpuUs: 96 }), row('direct-stdio-c32', { cpuUs: 30, p99: 10 }), row('mcpo-stdio-c32', { cpuUs: 159, p99: 15 })];
    const targets = evaluate({ ...m, results });
    const verdictOf = (start: string) => targets.find((t) => t.target.startsWith(start))?.verdict;
    expect(verdictOf('stdio: CPU per proxied call')).toBe('FAIL');
    expect(verdictOf('streamable HTTP: CPU per proxied call')).toBe('n/a');
    expect(verdictOf('stdio: p99')).toBe('PASS');
    expect(verdictOf('streamable HTTP: p99')).toBe('n/a');
    expect(verdictOf('stdio: added p50')).toBe('n/a');
    expect(verdictOf('stdio: zero errors under 256')).toBe('n/a');
  });

  it('judges the store group per connection count, and errors in its rows count in the every-scenario target', () => {
    const storeRow = (store: 'file' | 'redis', connections: number, errors = 0) => ({
      ...row(`store-${store}-c${connections}`, { errors }),
      store,
      ...(store === 'redis' ? { redisBefore: { get: 1 }, redisWindow: connections === 8 ? ({} as CommandCounts) : { get: 3 } } : {}),
    });
    const store = { rows: [storeRow('file', 8, 2), storeRow('redis', 8), storeRow('file', 32), storeRow('redis', 32)] };
    const targets = evaluate({ ...m, results: [], store, storeConnections: [8, 32] });
    const verdictOf = (connections: number) => targets.find((t) => t.target.startsWith('shared store') && t.target.endsWith(`at ${connections} connections`))?.verdict;
    expect(verdictOf(8)).toBe('PASS');
    expect(verdictOf(32)).toBe('FAIL');
    expect(targets.find((t) => t.target.startsWith('zero errors'))).toMatchObject({ verdict: 'FAIL', measured: 'store-file-c8: 2 errors' });
  });

  it('ratios carry the CPU factor against H + M of the same connections', () => {
    const results = [row('hono-c32', { cpuUs: 100 }), row('direct-stdio-c32', { cpuUs: 50 }), row('mcpo-stdio-c32', { cpuUs: 120 })];
    const [ratio] = ratios(results);
    expect(ratio?.cpuFactor).toBeCloseTo(0.8);
    expect(ratio?.ownCpuUs).toBeCloseTo(-30);
  });
});
