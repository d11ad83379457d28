/**
 * The throughput scenarios: what runs where, and one function per kind of system under test.
 * Every system under test (bare Hono, direct SDK client, mcpo) and every upstream MCP server runs in
 * its own process; autocannon runs in the orchestrator. Each scenario starts fresh processes, so its
 * peak RSS (VmHWM) is its own.
 */
import { join } from 'node:path';
import { runDirect, type DirectClientKind, type DirectTarget } from './direct.js';
import { runHttpLoad, type LoadResult } from './load.js';
import { startMcpo, type McpServerEntry } from './mcpo.js';
import type { BenchOptions, Group } from './options.js';
import { firstJsonLine, memoryOf, spawnChild, tsNode, type Child } from './proc.js';
import { workload, type WorkloadName } from './servers/tools.js';

export type Transport = 'stdio' | 'streamable-http';
export type System = 'hono' | 'direct' | 'mcpo';

export interface Scenario {
  id: string;
  group: Group;
  system: System;
  /** Upstream MCP transport (none for the bare Hono route). */
  transport?: Transport;
  workload: WorkloadName;
  connections: number;
  /**
   * How the concurrency-1 rows warm up: at the throughput concurrency, for `times` the usual warm-up. One
   * request at a time for 1 s left V8 still compiling mcpo's code through the measured window (in one mcpo
   * process under c=1 load, CPU per call over consecutive 5 s windows: HTTP 1,843 -> 778 -> 656 us, stdio
   * 980 -> 512 -> 340 us), so those rows measured V8's warm-up rather than the proxy. Default: the
   * scenario's own connections, for the usual warm-up.
   */
  warmup?: { connections: number; times: number };
  durationS: number;
  /** Offered requests/s over all connections (`--rate`); default: as fast as the system answers. */
  rate?: number;
  /** The mcpo entry point for this scenario (A/B runs); default ScenarioContext.mcpoBin. */
  bin?: string;
  /** Direct scenarios: whose transports the SDK Client uses (default 'mcpo'). */
  client?: DirectClientKind;
  /**
   * Direct scenarios: a third process spins on one core for the whole run. The mcpo rows always have one, the
   * load generator, while H and M are measured with two processes each; on a 2-core machine that third process
   * takes CPU from the MCP side. For reference beside M, not a ceiling (the targets use M).
   */
  busyCore?: boolean;
}

export interface ScenarioResult extends Scenario, LoadResult {
  /** Peak RSS (VmHWM) of the system under test's own process, bytes; upstream servers not counted. */
  peakRss?: number;
  topology: string;
  /** With --rounds: req/s of every round, in order. */
  roundsRps?: number[];
  /** With --rounds: CPU µs per request of every round, in order. */
  roundsCpuUs?: number[];
}

/**
 * One row per scenario from several rounds: the round with the median req/s (its latencies and memory
 * with it), errors summed over every round, so one bad round is never hidden. CPU per request is the median of
 * the rounds' own: the A/B figure, and at a fixed --rate every round has the same req/s.
 */
export function mergeRounds(rounds: readonly ScenarioResult[][]): ScenarioResult[] {
  if (rounds.length === 1) return [...rounds[0]!];
  return rounds[0]!.map((first) => {
    const all = rounds.map((round) => round.find((r) => r.id === first.id)!);
    const middle = [...all].sort((a, b) => a.rps - b.rps)[Math.floor(all.length / 2)]!;
    const errorBreakdown: Record<string, number> = {};
    for (const r of all) for (const [k, v] of Object.entries(r.errorBreakdown)) errorBreakdown[k] = (errorBreakdown[k] ?? 0) + v;
    const cpu = all.flatMap((r) => (r.cpuMsPerRequest === undefined ? [] : [r.cpuMsPerRequest])).sort((a, b) => a - b);
    const medianCpu = cpu.length === 0 ? {} : { cpuMsPerRequest: cpu[Math.floor(cpu.length / 2)]!, roundsCpuUs: all.map((r) => Math.round((r.cpuMsPerRequest ?? Number.NaN) * 1000)) };
    return { ...middle, ...medianCpu, errors: all.reduce((sum, r) => sum + r.errors, 0), errorBreakdown, roundsRps: all.map((r) => r.rps) };
  });
}

export interface ScenarioContext {
  repoRoot: string;
  warmupS: number;
  cpuProfileDir?: string;
  /** See McpoOptions.bin. */
  mcpoBin?: string;
}

const TOPOLOGY: Record<System | 'sdk' | 'busy', Record<string, string>> = {
  hono: { none: 'autocannon (orchestrator) -HTTP-> bare Hono echo (child)' },
  direct: {
    stdio: 'SDK client loop over mcpo\'s transports (child) -stdio-> MCP server (its child)',
    'streamable-http': 'SDK client loop over mcpo\'s transports (child) -streamable HTTP-> MCP server (child)',
  },
  busy: {
    stdio: 'SDK client loop over mcpo\'s transports (child) -stdio-> MCP server (its child), one core kept busy by a spin loop (child)',
    'streamable-http': 'SDK client loop over mcpo\'s transports (child) -streamable HTTP-> MCP server (child), one core kept busy by a spin loop (child)',
  },
  sdk: {
    stdio: 'SDK client loop over the SDK\'s stock transport (child) -stdio-> MCP server (its child)',
    'streamable-http': 'SDK client loop over the SDK\'s stock transport (child) -streamable HTTP-> MCP server (child)',
  },
  mcpo: {
    stdio: 'autocannon (orchestrator) -HTTP-> mcpo (child) -stdio-> MCP server (its child)',
    'streamable-http': 'autocannon (orchestrator) -HTTP-> mcpo (child) -streamable HTTP-> MCP server (child)',
  },
};

/** The stdio benchmark server as a command line. */
function stdioServer(repoRoot: string): { command: string; args: string[]; cwd: string } {
  return { command: process.execPath, args: tsNode(join(repoRoot, 'bench/servers/stdioServer.ts')), cwd: repoRoot };
}

/** Starts the streamable-HTTP benchmark server in its own process. */
async function startHttpServer(repoRoot: string): Promise<{ child: Child; url: string }> {
  const child = spawnChild(process.execPath, tsNode(join(repoRoot, 'bench/servers/httpServer.ts')), { cwd: repoRoot });
  try {
    const { port } = await firstJsonLine<{ port: number }>(child);
    return { child, url: `http://127.0.0.1:${port}/mcp` };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function runHono(s: Scenario, ctx: ScenarioContext): Promise<Omit<ScenarioResult, keyof Scenario | 'topology'>> {
  const child = spawnChild(process.execPath, tsNode(join(ctx.repoRoot, 'bench/servers/honoEcho.ts')), { cwd: ctx.repoRoot });
  try {
    const { port } = await firstJsonLine<{ port: number }>(child);
    const body = JSON.stringify(workload(s.workload).arguments);
    const load = await runHttpLoad({ url: `http://127.0.0.1:${port}/echo`, body, connections: s.connections, warmupS: ctx.warmupS, durationS: s.durationS, pid: child.pid });
    return { ...load, ...peak(child.pid) };
  } finally {
    await child.stop();
  }
}

/** A process that keeps one core busy until stopped (Scenario.busyCore). */
function spinOneCore(): Child {
  return spawnChild(process.execPath, ['-e', 'for (;;) {}']);
}

async function runDirectScenario(s: Scenario, ctx: ScenarioContext): Promise<Omit<ScenarioResult, keyof Scenario | 'topology'>> {
  const http = s.transport === 'streamable-http' ? await startHttpServer(ctx.repoRoot) : undefined;
  const spinner = s.busyCore ? spinOneCore() : undefined;
  try {
    const target: DirectTarget = http ? { kind: 'streamable-http', url: http.url } : { kind: 'stdio', ...stdioServer(ctx.repoRoot) };
    return await runDirect(ctx.repoRoot, { target, client: s.client ?? 'mcpo', workload: s.workload, connections: s.connections, warmupConnections: s.warmup?.connections ?? s.connections, warmupS: ctx.warmupS * (s.warmup?.times ?? 1), durationS: s.durationS });
  } finally {
    await spinner?.stop();
    await http?.child.stop();
  }
}

async function runMcpo(s: Scenario, ctx: ScenarioContext): Promise<Omit<ScenarioResult, keyof Scenario | 'topology'>> {
  const http = s.transport === 'streamable-http' ? await startHttpServer(ctx.repoRoot) : undefined;
  try {
    const entry: McpServerEntry = http ? { type: 'streamable-http', url: http.url } : stdioServer(ctx.repoRoot);
    const mcpo = await startMcpo({ repoRoot: ctx.repoRoot, servers: { bench: entry }, logLevel: 'warn', ...(s.bin ?? ctx.mcpoBin ? { bin: s.bin ?? ctx.mcpoBin } : {}), ...(ctx.cpuProfileDir ? { cpuProfileDir: ctx.cpuProfileDir } : {}) });
    try {
      const { tool, arguments: args } = workload(s.workload);
      const load = await runHttpLoad({ url: `${mcpo.url}/bench/${tool}`, body: JSON.stringify(args), connections: s.connections, ...(s.warmup ? { warmupConnections: s.warmup.connections } : {}), warmupS: ctx.warmupS * (s.warmup?.times ?? 1), durationS: s.durationS, pid: mcpo.pid, rate: s.rate });
      return { ...load, ...peak(mcpo.pid) };
    } finally {
      await mcpo.stop();
    }
  } finally {
    await http?.child.stop();
  }
}

function peak(pid: number): { peakRss?: number } {
  const memory = memoryOf(pid);
  return memory ? { peakRss: memory.peakRss } : {};
}

const RUNNERS: Record<System, typeof runHono> = { hono: runHono, direct: runDirectScenario, mcpo: runMcpo };

export async function runScenario(s: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const measured = await RUNNERS[s.system](s, ctx);
  const topology = s.client === 'sdk' ? 'sdk' : s.busyCore ? 'busy' : s.system;
  return { ...s, ...measured, topology: TOPOLOGY[topology][s.transport ?? 'none']! };
}

/**
 * The scenarios in running order: each mcpo run right after its direct baseline, so drift hits both
 * alike; with `compareBin`, each mcpo run is followed by the same run against that build (`alt-…`).
 */
type PlanOptions = { connections: number; durationS: number; stressConnections: number; stressDurationS: number; rate?: BenchOptions['rate'] };

export function plan(options: PlanOptions & { compareBin?: string }): Scenario[] {
  const scenarios = basePlan(options);
  const { compareBin } = options;
  if (!compareBin) return scenarios;
  return scenarios.flatMap((s) => (s.system === 'mcpo' ? [s, { ...s, id: s.id.replace(/^mcpo-/, 'alt-'), bin: compareBin }] : [s]));
}

/** See Scenario.warmup. */
const C1_WARMUP_TIMES = 3;

function basePlan(options: PlanOptions): Scenario[] {
  const c = options.connections;
  const d = options.durationS;
  const out: Scenario[] = [{ id: `hono-c${c}`, group: 'hono', system: 'hono', workload: 'echo', connections: c, durationS: d }];
  const pair = (transport: Transport, work: WorkloadName, connections: number, group: Group) => {
    const tag = `${transport === 'stdio' ? 'stdio' : 'http'}${work === 'large' ? '-large' : ''}-c${connections}`;
    const warm = connections < c ? { warmup: { connections: c, times: C1_WARMUP_TIMES } } : {};
    out.push({ id: `direct-${tag}`, group: group === 'mcpo' ? 'direct' : group, system: 'direct', transport, workload: work, connections, durationS: d, ...warm });
    // The stock SDK client beside it at the throughput concurrency, for reference (not a ceiling).
    if (group === 'mcpo' && connections === c) {
      out.push({ id: `sdk-${tag}`, group: 'direct', system: 'direct', client: 'sdk', transport, workload: work, connections, durationS: d });
      out.push({ id: `busy-${tag}`, group: 'direct', system: 'direct', busyCore: true, transport, workload: work, connections, durationS: d });
    }
    const rate = group === 'mcpo' && connections === c ? options.rate?.[transport === 'stdio' ? 'stdio' : 'http'] : undefined;
    out.push({ id: `mcpo-${tag}`, group, system: 'mcpo', transport, workload: work, connections, durationS: d, ...warm, ...(rate ? { rate } : {}) });
  };
  for (const connections of [c, 1]) for (const transport of ['streamable-http', 'stdio'] as const) pair(transport, 'echo', connections, 'mcpo');
  for (const connections of [c, 1]) pair('stdio', 'large', connections, 'large');
  for (const transport of ['stdio', 'streamable-http'] as const) {
    const tag = `${transport === 'stdio' ? 'stdio' : 'http'}-c${options.stressConnections}`;
    out.push({ id: `mcpo-${tag}`, group: 'stress', system: 'mcpo', transport, workload: 'echo', connections: options.stressConnections, durationS: options.stressDurationS });
  }
  return out;
}
