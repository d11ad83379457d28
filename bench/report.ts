/** Renders a run as text tables (stdout) and as JSON (bench/results/). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './options.js';
import type { PerUserResult } from './perUser.js';
import type { ScaleResult } from './scale.js';
import type { ScenarioResult } from './scenarios.js';
import type { StartupResult } from './startup.js';
import { KEEP_ALIVE_COMMANDS } from './redis.js';
import type { StoreResult } from './store.js';
import { ratios, type TargetResult } from './targets.js';

export interface BenchReport {
  startedAt: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string; loadAverageAtStart: number[] };
  options: Omit<BenchOptions, 'groups'> & { groups: string[] };
  notes: string[];
  scenarios: ScenarioResult[];
  ratios: ReturnType<typeof ratios>;
  startup?: StartupResult;
  scale?: ScaleResult;
  perUser?: PerUserResult;
  store?: StoreResult;
  /** Why the start-up, scale or store measurement could not be made. */
  failures?: { startup?: string; scale?: string; store?: string };
  targets: TargetResult[];
}

const num = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : num(bytes / 1024 / 1024, 1));

/** A plain monospace table: first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function machine(): BenchReport['machine'] {
  return { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverageAtStart: loadavg() };
}

export function renderScenarios(results: readonly ScenarioResult[]): string {
  return table(
    ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'peak RSS MB', 'CPU µs/req'],
    results.map((r) => [
      r.id,
      String(r.connections),
      num(r.rps),
      num(r.latency.p50, 3),
      num(r.latency.p99, 3),
      num(r.latency.max, 1),
      String(r.errors),
      mb(r.peakRss),
      num(r.cpuMsPerRequest === undefined ? undefined : r.cpuMsPerRequest * 1000),
    ]),
  );
}

export function renderTopology(results: readonly ScenarioResult[]): string {
  const seen = new Map<string, string>();
  for (const r of results) seen.set(`${r.client === 'sdk' ? 'sdk' : r.system}${r.transport ? ` over ${r.transport}` : ''}`, r.topology);
  return [...seen].map(([k, v]) => `  ${k.padEnd(26)} ${v}`).join('\n');
}

export function renderRatios(results: readonly ScenarioResult[]): string {
  return table(
    ['mcpo / direct', 'throughput', 'p50', 'added p50 ms', 'CPU / (H + M)', 'mcpo-own CPU µs/req'],
    ratios(results).map((r) => [
      r.scenario.replace(/^mcpo-/, '').replace(/^alt-(.*)$/, '$1 (alt)'),
      num(r.throughput, 2),
      num(r.p50, 2),
      num(r.addedP50Ms, 3),
      num(r.cpuFactor, 2),
      num(r.ownCpuUs),
    ]),
  );
}

export function renderStartup(startup: StartupResult): string {
  const samples = (values: number[]) => values.map((v) => num(v)).join(', ');
  return table(
    ['exec -> first /healthz 200', 'median ms', 'samples ms'],
    [
      ['bare Hono server (health route only)', num(startup.honoMs), samples(startup.samples.honoMs)],
      ['mcpo, one stdio server', num(startup.mcpoMs), samples(startup.samples.mcpoMs)],
      ...(startup.altMs !== undefined && startup.samples.altMs ? [['mcpo (alt build), one stdio server', num(startup.altMs), samples(startup.samples.altMs)]] : []),
    ],
  );
}

export function renderScale(scale: ScaleResult): string {
  const s = scale.many;
  return table(
    [`${scale.servers} stdio servers`, 'listening ms', 'all connected ms', 'idle RSS MB', 'children RSS MB'],
    [
      ['through mcpo (from exec of mcpo)', num(s.listeningMs), num(s.connectedMs), mb(s.idleRss), mb(s.childrenRss)],
      ['bare launcher (from its exec; the floor)', '', num(scale.bare.manyMs), '', ''],
    ],
  );
}

export function renderTargets(targets: readonly TargetResult[]): string {
  return targets.map((t) => `  [${t.verdict.padEnd(4)}] ${t.target}\n         ${t.measured}`).join('\n');
}

/** Writes the report to `dir`/bench-<timestamp>.json and returns the path. */
export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
  return path;
}

/** The per-user server's row: RSS per idle user session, first call (session opened on demand) against a warm one. */
export function renderPerUser(result: PerUserResult): string {
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const ms = (value: number) => value.toFixed(2);
  return table(
    [`per-user OAuth server, ${result.users} users`, 'p50 ms', 'p99 ms', 'max ms', 'mcpo RSS MB'],
    [
      ['first call (session opened on demand)', ms(result.first.p50), ms(result.first.p99), ms(result.first.max), `${mb(result.baseRss)} with 1 session`],
      ['warm call (session open)', ms(result.warm.p50), ms(result.warm.p99), ms(result.warm.max), `${mb(result.allRss)} with ${result.users}`],
      ['RSS per idle user session', '', '', '', `${(result.rssPerSession / 1024).toFixed(0)} KiB`],
    ],
  );
}

/** The store group: file store against Redis store, at each connection count, and the Redis commands of the window. */
export function renderStore(result: StoreResult): string {
  return table(
    ['token store (OAuth server, echo)', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs/req', 'Redis cmds', 'per call', 'keep-alive'],
    result.rows.map((r) => {
      const window = r.redisWindow ? Object.entries(r.redisWindow) : undefined;
      const sent = window?.filter(([name]) => !KEEP_ALIVE_COMMANDS.includes(name)).reduce((sum, [, n]) => sum + n, 0);
      const keepAlive = window?.filter(([name]) => KEEP_ALIVE_COMMANDS.includes(name)).reduce((sum, [, n]) => sum + n, 0);
      return [
        r.id,
        String(r.connections),
        num(r.rps),
        num(r.latency.p50, 3),
        num(r.latency.p99, 3),
        String(r.errors),
        num(r.cpuMsPerRequest === undefined ? undefined : r.cpuMsPerRequest * 1000),
        num(sent),
        sent === undefined || r.requests === 0 ? '-' : num(sent / r.requests, 3),
        num(keepAlive),
      ];
    }),
  );
}
