/**
 * The targets of issue #6, evaluated on one run's numbers. A target whose inputs were not measured
 * (a group left out with --only) is 'n/a', never a pass.
 */
import type { ScaleResult } from './scale.js';
import type { ScenarioResult } from './scenarios.js';

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
}

export const THROUGHPUT_SHARE_OF_CEILING = 0.9;
export const MAX_ADDED_P50_MS = 1;
export const MAX_P99_FACTOR = 2;
export const MAX_SCALE_FACTOR = 1.5;
export const MAX_IDLE_RSS_BYTES = 150 * 1024 * 1024;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;
const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'FAIL');

/** mcpo/direct ratios for every mcpo scenario that has a direct baseline. */
export function ratios(results: readonly ScenarioResult[]): Ratio[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  return results.flatMap((r) => {
    const base = r.system === 'mcpo' ? byId.get(r.id.replace(/^(mcpo|alt)-/, 'direct-')) : undefined;
    if (!base) return [];
    const hono = results.find((h) => h.system === 'hono' && h.connections === r.connections) ?? results.find((h) => h.system === 'hono');
    const cpu = [r.cpuMsPerRequest, base.cpuMsPerRequest, hono?.cpuMsPerRequest];
    const ownCpuUs = cpu.every((v) => v !== undefined) ? (cpu[0]! - cpu[1]! - cpu[2]!) * 1000 : undefined;
    return [
      {
        scenario: r.id,
        baseline: base.id,
        throughput: r.rps / base.rps,
        p50: r.latency.p50 / base.latency.p50,
        addedP50Ms: r.latency.p50 - base.latency.p50,
        ...(ownCpuUs === undefined ? {} : { ownCpuUs }),
      },
    ];
  });
}

/** Ceiling C = 1 / (1/H + 1/M) for one transport, from the same run's numbers. */
export function ceiling(h: number, m: number): number {
  return 1 / (1 / h + 1 / m);
}

export function evaluate(results: readonly ScenarioResult[], scale: ScaleResult | undefined, c: number): TargetResult[] {
  const get = (id: string) => results.find((r) => r.id === id);
  const out: TargetResult[] = [];
  const hono = get(`hono-c${c}`);
  for (const [t, label] of [['http', 'streamable HTTP'], ['stdio', 'stdio']] as const) {
    const direct = get(`direct-${t}-c${c}`);
    const mcpo = get(`mcpo-${t}-c${c}`);
    const target = `${label}: mcpo throughput >= ${THROUGHPUT_SHARE_OF_CEILING * 100}% of ceiling C = 1/(1/H + 1/M) at ${c} connections`;
    if (!hono || !direct || !mcpo) out.push({ target, measured: 'not measured', verdict: 'n/a' });
    else {
      const C = ceiling(hono.rps, direct.rps);
      const sdk = get(`sdk-${t}-c${c}`);
      // For reference (not the target): the ceiling with M measured beside a busy core, as mcpo runs beside the load generator.
      const busy = get(`busy-${t}-c${c}`);
      const busyNote = busy ? `; with M beside a busy core ${fmt(busy.rps)}/s: ${fmt((100 * mcpo.rps) / ceiling(hono.rps, busy.rps))}% of that C` : '';
      out.push({
        target,
        measured: `${fmt(mcpo.rps)}/s = ${fmt((100 * mcpo.rps) / C)}% of C ${fmt(C)}/s (H ${fmt(hono.rps)}/s, M ${fmt(direct.rps)}/s over mcpo's transports${sdk ? `; stock SDK client ${fmt(sdk.rps)}/s` : ''}${busyNote})`,
        verdict: verdict(mcpo.rps >= THROUGHPUT_SHARE_OF_CEILING * C),
      });
    }
    const d1 = get(`direct-${t}-c1`);
    const m1 = get(`mcpo-${t}-c1`);
    const t1 = `${label}: added p50 latency <= ${MAX_ADDED_P50_MS} ms over the direct client at concurrency 1`;
    if (!d1 || !m1) out.push({ target: t1, measured: 'not measured', verdict: 'n/a' });
    else {
      const added = m1.latency.p50 - d1.latency.p50;
      out.push({ target: t1, measured: `+${fmt(added, 3)} ms (mcpo ${fmt(m1.latency.p50, 3)} ms, direct ${fmt(d1.latency.p50, 3)} ms)`, verdict: verdict(added <= MAX_ADDED_P50_MS) });
    }
    const t2 = `${label}: p99 at ${c} connections <= ${MAX_P99_FACTOR}x the direct client's`;
    if (!direct || !mcpo) out.push({ target: t2, measured: 'not measured', verdict: 'n/a' });
    else {
      const factor = mcpo.latency.p99 / direct.latency.p99;
      out.push({ target: t2, measured: `${fmt(factor, 2)}x (mcpo ${fmt(mcpo.latency.p99, 2)} ms, direct ${fmt(direct.latency.p99, 2)} ms)`, verdict: verdict(factor <= MAX_P99_FACTOR) });
    }
  }
  for (const stress of results.filter((r) => r.group === 'stress' && r.id.startsWith('mcpo-'))) {
    out.push({
      target: `zero errors under ${stress.connections} connections (${stress.transport}) for ${stress.durationS} s${stress.durationS < 10 ? ' (the target asks 10 s)' : ''}`,
      measured: `${stress.errors} errors in ${fmt(stress.requests)} requests ${JSON.stringify(stress.errorBreakdown)}`,
      // A window in which no request completed has no errors to show, and proves nothing.
      verdict: stress.requests === 0 ? 'FAIL' : stress.durationS < 10 && stress.errors === 0 ? 'n/a' : verdict(stress.errors === 0),
    });
  }
  // alt-… rows (--compare) are another build: they inform, they do not decide this build's verdicts.
  const own = results.filter((r) => !r.id.startsWith('alt-'));
  const failing = own.filter((r) => r.errors > 0 || r.requests === 0);
  out.push({
    target: 'zero errors (and some completed requests) in every scenario',
    measured: failing.length
      ? failing.map((r) => `${r.id}: ${r.requests === 0 ? 'no request completed' : `${r.errors} errors`}`).join(', ')
      : `0 errors in ${own.length} scenarios`,
    verdict: own.length ? verdict(failing.length === 0) : 'n/a',
  });
  const st = `${scale?.servers ?? 20} stdio servers all connected in < ${MAX_SCALE_FACTOR}x the time of one (from mcpo start)`;
  const rt = `idle RSS of mcpo with ${scale?.servers ?? 20} servers < ${mb(MAX_IDLE_RSS_BYTES)} (children not counted)`;
  if (!scale) out.push({ target: st, measured: 'not measured', verdict: 'n/a' }, { target: rt, measured: 'not measured', verdict: 'n/a' });
  else {
    const factor = scale.many.connectedMs / scale.one.connectedMs;
    out.push({
      target: st,
      measured:
        `${fmt(factor, 2)}x (${fmt(scale.many.connectedMs)} ms vs ${fmt(scale.one.connectedMs)} ms; median of ${scale.repeats}). ` +
        `Floor without mcpo: ${fmt(scale.bare.manyMs)} ms for ${scale.servers} children vs ${fmt(scale.bare.oneMs)} ms for one ` +
        `(${fmt(scale.bare.manyMs / scale.bare.oneMs, 2)}x); mcpo adds ${fmt(scale.many.connectedMs - scale.bare.manyMs)} ms to the ${scale.servers}`,
      verdict: verdict(factor < MAX_SCALE_FACTOR),
    });
    const rss = scale.many.idleRss;
    out.push({ target: rt, measured: rss === undefined ? 'no /proc' : mb(rss), verdict: rss === undefined ? 'n/a' : verdict(rss < MAX_IDLE_RSS_BYTES) });
  }
  return out;
}
