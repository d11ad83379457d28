/**
 * The performance targets of issue #15 ("Performance targets, restated"), evaluated on one run's numbers:
 * figures that belong to mcpo itself rather than to the machine. A target whose inputs were not measured
 * (a group left out with --only, a platform without /proc) is 'n/a', never a pass.
 */
import type { ScaleResult } from './scale.js';
import type { ScenarioResult } from './scenarios.js';
import type { StartupResult } from './startup.js';
import { KEEP_ALIVE_COMMANDS, type CommandCounts } from './redis.js';
import type { StoreResult, StoreRow } from './store.js';

export type Verdict = 'PASS' | 'FAIL' | 'n/a';

export interface TargetResult {
  target: string;
  measured: string;
  verdict: Verdict;
}

export interface Ratio {
  /** The mcpo scenario's id; its baseline is the direct scenario with the same suffix. */
  scenario: string;
  baseline: string;
  /** mcpo req/s ÷ direct calls/s. */
  throughput: number;
  /** mcpo p50 ÷ direct p50. */
  p50: number;
  /** mcpo p50 − direct p50, ms. */
  addedP50Ms: number;
  /**
   * mcpo's CPU µs per request minus what the direct client and the bare Hono route (same connections)
   * spend: the work mcpo itself adds. Robust on a busy machine, unlike throughput.
   */
  ownCpuUs?: number;
  /** mcpo's CPU per request ÷ (H + M): the CPU target's figure. */
  cpuFactor?: number;
}

/** mcpo's CPU per proxied call may be at most this multiple of H + M (the bare Hono route plus the direct client). */
export const MAX_CPU_FACTOR = 1.0;
/** mcpo's exec → first /healthz answer may take at most this multiple of a bare Hono server's. */
export const MAX_STARTUP_FACTOR = 2;
/** 20 stdio servers all connected through mcpo at most this long after the same servers started bare. */
export const MAX_SCALE_OVER_FLOOR_MS = 150;
export const MAX_ADDED_P50_MS = 1;
export const MAX_P99_FACTOR = 2;
export const MAX_IDLE_RSS_BYTES = 120 * 1024 * 1024;
/** Redis commands mcpo may send per call while its access token is valid (issue #18). */
export const MAX_STORE_COMMANDS_PER_CALL = 0;
/** The zero-errors target asks for this long a window; a shorter one (--quick) can fail but not pass. */
export const STRESS_TARGET_S = 10;

const TRANSPORTS = [['http', 'streamable HTTP'], ['stdio', 'stdio']] as const;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const signed = (n: number, digits = 0) => `${n < 0 ? '' : '+'}${fmt(n, digits)}`;
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;
const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'FAIL');
const notMeasured = (target: string, what?: string): TargetResult => ({ target, measured: what || 'not measured', verdict: 'n/a' });

/** mcpo/direct ratios for every mcpo scenario that has a direct baseline. */
export function ratios(results: readonly ScenarioResult[]): Ratio[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  return results.flatMap((r) => {
    const base = r.system === 'mcpo' ? byId.get(r.id.replace(/^(mcpo|alt)-/, 'direct-')) : undefined;
    if (!base) return [];
    const hono = results.find((h) => h.system === 'hono' && h.connections === r.connections) ?? results.find((h) => h.system === 'hono');
    const mcpoCpu = r.cpuMsPerRequest;
    const halves = base.cpuMsPerRequest !== undefined && hono?.cpuMsPerRequest !== undefined ? base.cpuMsPerRequest + hono.cpuMsPerRequest : undefined;
    return [
      {
        scenario: r.id,
        baseline: base.id,
        throughput: r.rps / base.rps,
        p50: r.latency.p50 / base.latency.p50,
        addedP50Ms: r.latency.p50 - base.latency.p50,
        ...(mcpoCpu !== undefined && halves !== undefined ? { ownCpuUs: (mcpoCpu - halves) * 1000, cpuFactor: mcpoCpu / halves } : {}),
      },
    ];
  });
}

/** CPU per proxied call against H + M, all in µs per request; any input missing → n/a. */
export function cpuTarget(label: string, c: number, cpu: { mcpoUs?: number; honoUs?: number; directUs?: number }): TargetResult {
  const target = `${label}: CPU per proxied call <= ${fmt(MAX_CPU_FACTOR, 1)}x (H + M) at ${c} connections`;
  const { mcpoUs, honoUs, directUs } = cpu;
  if (mcpoUs === undefined || honoUs === undefined || directUs === undefined) return notMeasured(target);
  const factor = mcpoUs / (honoUs + directUs);
  return {
    target,
    measured: `${fmt(factor, 2)}x: mcpo ${fmt(mcpoUs)} µs vs H ${fmt(honoUs)} + M ${fmt(directUs)} = ${fmt(honoUs + directUs)} µs`,
    verdict: verdict(factor <= MAX_CPU_FACTOR),
  };
}

export function addedP50Target(label: string, p50: { mcpoMs?: number; directMs?: number }): TargetResult {
  const target = `${label}: added p50 latency <= ${MAX_ADDED_P50_MS} ms over the direct client at concurrency 1`;
  if (p50.mcpoMs === undefined || p50.directMs === undefined) return notMeasured(target);
  const added = p50.mcpoMs - p50.directMs;
  return { target, measured: `${signed(added, 3)} ms (mcpo ${fmt(p50.mcpoMs, 3)} ms, direct ${fmt(p50.directMs, 3)} ms)`, verdict: verdict(added <= MAX_ADDED_P50_MS) };
}

export function p99Target(label: string, c: number, p99: { mcpoMs?: number; directMs?: number }): TargetResult {
  const target = `${label}: p99 at ${c} connections <= ${MAX_P99_FACTOR}x the direct client's`;
  if (p99.mcpoMs === undefined || p99.directMs === undefined) return notMeasured(target);
  const factor = p99.mcpoMs / p99.directMs;
  return { target, measured: `${fmt(factor, 2)}x (mcpo ${fmt(p99.mcpoMs, 2)} ms, direct ${fmt(p99.directMs, 2)} ms)`, verdict: verdict(factor <= MAX_P99_FACTOR) };
}

/** Zero errors under the stress connections over one transport; a window shorter than the target's can fail, not pass. */
export function stressTarget(label: string, connections: number, stress: Pick<ScenarioResult, 'errors' | 'requests' | 'durationS' | 'errorBreakdown'> | undefined): TargetResult {
  const target = `${label}: zero errors under ${connections} connections for ${STRESS_TARGET_S} s`;
  if (!stress) return notMeasured(target);
  const measured = `${stress.errors} errors in ${fmt(stress.requests)} requests over ${stress.durationS} s ${JSON.stringify(stress.errorBreakdown)}`;
  // A window in which no request completed has no errors to show, and proves nothing.
  if (stress.requests === 0 || stress.errors > 0) return { target, measured, verdict: 'FAIL' };
  return { target, measured: stress.durationS < STRESS_TARGET_S ? `${measured}; window shorter than the target's` : measured, verdict: stress.durationS < STRESS_TARGET_S ? 'n/a' : 'PASS' };
}

/** mcpo's exec → first /healthz 200 against a bare Hono server's, measured the same way. */
export function startupTarget(startup: Pick<StartupResult, 'honoMs' | 'mcpoMs' | 'repeats'> | undefined, failure?: string): TargetResult {
  const target = `start-up: mcpo exec -> first /healthz 200 <= ${MAX_STARTUP_FACTOR}x a bare Hono server's`;
  if (!startup) return notMeasured(target, failure && `not measured: ${failure}`);
  const factor = startup.mcpoMs / startup.honoMs;
  return {
    target,
    measured: `${fmt(factor, 2)}x: mcpo ${fmt(startup.mcpoMs)} ms, bare Hono ${fmt(startup.honoMs)} ms (median of ${startup.repeats} each, alternating)`,
    verdict: verdict(factor <= MAX_STARTUP_FACTOR),
  };
}

/** N stdio servers connected through mcpo against the same N started bare (both from exec of their process). */
export function scaleTarget(scale: Pick<ScaleResult, 'servers' | 'repeats' | 'many' | 'bare'> | undefined, servers: number, failure?: string): TargetResult {
  const target = `${servers} stdio servers all connected through mcpo <= ${MAX_SCALE_OVER_FLOOR_MS} ms after the same servers started bare`;
  if (!scale) return notMeasured(target, failure && `not measured: ${failure}`);
  const over = scale.many.connectedMs - scale.bare.manyMs;
  return {
    target,
    measured: `${signed(over)} ms: mcpo ${fmt(scale.many.connectedMs)} ms, bare launcher ${fmt(scale.bare.manyMs)} ms (each from exec of its process; median of ${scale.repeats})`,
    verdict: verdict(over <= MAX_SCALE_OVER_FLOOR_MS),
  };
}

export function idleRssTarget(scale: Pick<ScaleResult, 'many'> | undefined, servers: number, failure?: string): TargetResult {
  const target = `idle RSS of mcpo with ${servers} servers < ${mb(MAX_IDLE_RSS_BYTES)} (children not counted)`;
  const rss = scale?.many.idleRss;
  if (rss === undefined) return notMeasured(target, scale ? 'no /proc' : failure ? `not measured: ${failure}` : 'not measured');
  return { target, measured: mb(rss), verdict: verdict(rss < MAX_IDLE_RSS_BYTES) };
}

const listed = (counts: CommandCounts) => Object.entries(counts).map(([name, n]) => `${name} ${fmt(n)}`).join(', ') || 'none';

/**
 * The shared store costs no Redis round trip per call while the token is valid: the commands mcpo sent during the
 * measured window, keep-alive PINGs (sent on a timer, whatever the calls) apart, over the calls. The count proves
 * something only if mcpo did use this Redis: its record read (GET) before the window; else n/a.
 */
export function storeTarget(connections: number, row: Pick<StoreRow, 'requests' | 'redisBefore' | 'redisWindow'> | undefined, failure?: string): TargetResult {
  const target = `shared store (Redis): ${MAX_STORE_COMMANDS_PER_CALL} Redis commands per call with a valid cached token, at ${connections} connections`;
  if (!row?.redisWindow || !row.redisBefore) return notMeasured(target, failure && `not measured: ${failure}`);
  if (!row.redisBefore['get']) return notMeasured(target, `mcpo read no record from the bench's Redis before the window (${listed(row.redisBefore)}): the count shows nothing`);
  const perCall = Object.entries(row.redisWindow).filter(([name]) => !KEEP_ALIVE_COMMANDS.includes(name));
  const keepAlive = Object.entries(row.redisWindow).filter(([name]) => KEEP_ALIVE_COMMANDS.includes(name));
  const sent = perCall.reduce((sum, [, n]) => sum + n, 0);
  const measured =
    `${fmt(sent)} commands in ${fmt(row.requests)} calls${row.requests > 0 ? ` (${fmt(sent / row.requests, 3)} per call)` : ''}${sent ? `: ${listed(Object.fromEntries(perCall))}` : ''}; ` +
    `keep-alive: ${listed(Object.fromEntries(keepAlive))}; before the window: ${listed(row.redisBefore)}`;
  // A window in which no call completed shows no commands, and proves nothing.
  return { target, measured, verdict: verdict(row.requests > 0 && sent <= MAX_STORE_COMMANDS_PER_CALL * row.requests) };
}

/** Every scenario of this build completed requests without an error (alt-… rows are another build: they inform only). */
export function allScenariosTarget(results: readonly Pick<ScenarioResult, 'id' | 'errors' | 'requests'>[]): TargetResult {
  const own = results.filter((r) => !r.id.startsWith('alt-'));
  const failing = own.filter((r) => r.errors > 0 || r.requests === 0);
  return {
    target: 'zero errors (and some completed requests) in every scenario',
    measured: failing.length
      ? failing.map((r) => `${r.id}: ${r.requests === 0 ? 'no request completed' : `${r.errors} errors`}`).join(', ')
      : own.length
        ? `0 errors in ${own.length} scenarios`
        : 'no scenario run',
    verdict: own.length ? verdict(failing.length === 0) : 'n/a',
  };
}

const us = (ms: number | undefined) => (ms === undefined ? undefined : ms * 1000);

export interface Measurements {
  results: readonly ScenarioResult[];
  startup?: StartupResult;
  scale?: ScaleResult;
  store?: StoreResult;
  /** The connection counts of the store group. */
  storeConnections?: readonly number[];
  /** The throughput concurrency (32). */
  connections: number;
  stressConnections: number;
  scaleServers: number;
  /** Why a start-up or scale measurement failed (its targets are then n/a, with the reason). */
  failures?: { startup?: string; scale?: string; store?: string };
}

/** Every target, in the order they print; inputs not measured give 'n/a'. */
export function evaluate(m: Measurements): TargetResult[] {
  const c = m.connections;
  const get = (id: string) => m.results.find((r) => r.id === id);
  const hono = get(`hono-c${c}`);
  const out: TargetResult[] = [];
  for (const [t, label] of TRANSPORTS) {
    const direct = get(`direct-${t}-c${c}`);
    const mcpo = get(`mcpo-${t}-c${c}`);
    out.push(cpuTarget(label, c, { mcpoUs: us(mcpo?.cpuMsPerRequest), honoUs: us(hono?.cpuMsPerRequest), directUs: us(direct?.cpuMsPerRequest) }));
  }
  out.push(startupTarget(m.startup, m.failures?.startup), scaleTarget(m.scale, m.scaleServers, m.failures?.scale));
  for (const [t, label] of TRANSPORTS) {
    out.push(addedP50Target(label, { mcpoMs: get(`mcpo-${t}-c1`)?.latency.p50, directMs: get(`direct-${t}-c1`)?.latency.p50 }));
    out.push(p99Target(label, c, { mcpoMs: get(`mcpo-${t}-c${c}`)?.latency.p99, directMs: get(`direct-${t}-c${c}`)?.latency.p99 }));
  }
  for (const [t, label] of TRANSPORTS) out.push(stressTarget(label, m.stressConnections, get(`mcpo-${t}-c${m.stressConnections}`)));
  out.push(idleRssTarget(m.scale, m.scaleServers, m.failures?.scale));
  for (const connections of m.storeConnections ?? []) {
    out.push(storeTarget(connections, m.store?.rows.find((r) => r.store === 'redis' && r.connections === connections), m.failures?.store));
  }
  out.push(allScenariosTarget([...m.results, ...(m.store?.rows ?? [])]));
  return out;
}
