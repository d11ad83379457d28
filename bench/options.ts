/** Command-line flags of `npm run bench -- [flags]`, with their defaults. */
import { parseArgs } from 'node:util';

export const DEFAULT_DURATION_S = 5;
export const DEFAULT_WARMUP_S = 1;
/** The zero-errors target asks for 256 connections during 10 s. */
export const DEFAULT_STRESS_DURATION_S = 10;
export const DEFAULT_CONNECTIONS = 32;
export const DEFAULT_STRESS_CONNECTIONS = 256;
export const DEFAULT_SCALE_SERVERS = 20;
/** Start-up timings are short and noisy: each is measured this many times and the median is kept. */
export const DEFAULT_SCALE_REPEATS = 3;
/** The exec -> /healthz timings are shorter still: mcpo and bare Hono alternate this many times each. */
export const DEFAULT_STARTUP_REPEATS = 7;

/** Users of the per-user OAuth server in the `peruser` group (issue #17). */
export const DEFAULT_PER_USER_USERS = 200;

/** Connection counts of the `store` group (issue #18): file store and Redis store each run at every one. */
export const DEFAULT_STORE_CONNECTIONS: readonly number[] = [8, 32];

/** Scenario groups, in the order they run; `--only` picks some of them. */
export const GROUPS = ['hono', 'direct', 'mcpo', 'large', 'stress', 'startup', 'scale', 'peruser', 'store'] as const;
export type Group = (typeof GROUPS)[number];

export interface BenchOptions {
  durationS: number;
  warmupS: number;
  stressDurationS: number;
  connections: number;
  stressConnections: number;
  scaleServers: number;
  scaleRepeats: number;
  startupRepeats: number;
  groups: ReadonlySet<Group>;
  /** How many times the throughput scenarios run (interleaved); each row keeps the median round. */
  rounds: number;
  /** Exit 1 when a target is missed. */
  strict: boolean;
  /** The mcpo entry point to benchmark, relative to the working directory (default: this checkout's bin/mcpo.js). */
  mcpoBin: string | undefined;
  /** A second mcpo build: every mcpo scenario also runs against it, right after, as `alt-…` (A/B). */
  compareBin: string | undefined;
  /**
   * Offered load of the mcpo rows at the throughput concurrency (and their alt- rows), requests/s over all
   * connections, per transport: at one rate both builds of an A/B do the same work per second, so their CPU per
   * call compares code, not how many requests each event-loop turn happened to batch. Default: as fast as they go.
   */
  rate: Partial<Record<'stdio' | 'http', number>>;
  /** Directory for V8 CPU profiles of the mcpo processes, or undefined. */
  cpuProfileDir: string | undefined;
  quick: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--duration S] [--warmup S] [--only ${GROUPS.join(',')}] [--rounds N] [--strict] [--cpu-prof DIR] [--mcpo-bin FILE] [--compare FILE]
  --quick        smoke run: 1.5 s windows, 0.5 s warm-up, 2 s stress, 3 exec -> /healthz timings, one scale timing
  --duration S   measured window per scenario (default ${DEFAULT_DURATION_S})
  --warmup S     warm-up before each window (default ${DEFAULT_WARMUP_S})
  --rounds N     run the throughput scenarios N times, interleaved; keep each one's median round (default 1)
  --only LIST    run only these scenario groups (targets needing others print n/a)
  --strict       exit 1 when a target is missed (default: report only)
  --cpu-prof DIR write a V8 CPU profile of every mcpo process (start-up timings included) into DIR
  --mcpo-bin F   benchmark another mcpo build (e.g. a patched copy's bin/mcpo.js) instead of this checkout's
  --compare F    A/B: also run every mcpo scenario against build F, right after (rows alt-…)
  --rate R       offer the mcpo rows at ${DEFAULT_CONNECTIONS} connections R requests/s (stdio=R,http=R: per transport), for A/B:
                 below both builds' capacity, their CPU per call compares the same work`;

/** `--rate`: "R" for both transports, or "stdio=R,http=R" (either may be left out). */
export function parseRate(value: string | undefined): BenchOptions['rate'] {
  if (value === undefined) return {};
  const number = (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--rate needs whole numbers of requests per second above 0, got "${text}" in "${value}"`);
    return n;
  };
  if (!value.includes('=')) return { stdio: number(value), http: number(value) };
  const rate: BenchOptions['rate'] = {};
  for (const part of value.split(',')) {
    const [name, amount] = part.split('=').map((t) => t.trim());
    if (name !== 'stdio' && name !== 'http') throw new Error(`--rate: unknown transport "${name}" in "${value}" (stdio or http)`);
    rate[name] = number(amount ?? '');
  }
  return rate;
}

function rounds(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new Error(`--rounds must be a whole number from 1 to 9, got "${value}"`);
  return n;
}

function seconds(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number of seconds, got "${value}"`);
  return n;
}

export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      strict: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'mcpo-bin': { type: 'string' },
      compare: { type: 'string' },
      rate: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const groups = values.only ? values.only.split(',').map((g) => g.trim()) : [...GROUPS];
  for (const group of groups) {
    if (!(GROUPS as readonly string[]).includes(group)) throw new Error(`--only: unknown group "${group}" (known: ${GROUPS.join(', ')})`);
  }
  return {
    durationS: seconds(values.duration, quick ? 1.5 : DEFAULT_DURATION_S, '--duration'),
    warmupS: values.warmup === '0' ? 0 : seconds(values.warmup, quick ? 0.5 : DEFAULT_WARMUP_S, '--warmup'),
    stressDurationS: quick ? 2 : DEFAULT_STRESS_DURATION_S,
    connections: DEFAULT_CONNECTIONS,
    stressConnections: DEFAULT_STRESS_CONNECTIONS,
    scaleServers: DEFAULT_SCALE_SERVERS,
    scaleRepeats: quick ? 1 : DEFAULT_SCALE_REPEATS,
    startupRepeats: quick ? 3 : DEFAULT_STARTUP_REPEATS,
    groups: new Set(groups as Group[]),
    rounds: rounds(values.rounds),
    strict: values.strict ?? false,
    cpuProfileDir: values['cpu-prof'],
    mcpoBin: values['mcpo-bin'],
    compareBin: values.compare,
    rate: parseRate(values.rate),
    quick,
  };
}
