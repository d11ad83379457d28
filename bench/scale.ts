/**
 * Scale: mcpo with N stdio servers (examples/stdio-demo, plain Node, as users run them) against the same N
 * servers started by a bare launcher (bareStart.ts). mcpo is timed from spawning it to /healthz reporting
 * every server connected, the launcher from spawning it to every server having listed its tools; the two
 * alternate, each timing is repeated and the median kept. Idle RSS is read after the servers are up and
 * mcpo has been idle for a moment; the children's RSS is reported separately and not counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bareStartMs } from './bareStart.js';
import { startMcpo, type McpServerEntry } from './mcpo.js';
import { memoryOf, sleep } from './proc.js';
import { median } from './stats.js';

/** How long mcpo sits idle before its RSS is read. */
export const IDLE_SETTLE_MS = 1000;

export interface StartupSample {
  servers: number;
  /** Spawn → /healthz first answers. */
  listeningMs: number;
  /** Spawn → every server connected. */
  connectedMs: number;
  /** mcpo's own RSS after IDLE_SETTLE_MS idle, bytes. */
  idleRss?: number;
  /** Sum of the stdio children's RSS at that moment, bytes (not part of mcpo's). */
  childrenRss?: number;
}

export interface ScaleResult {
  servers: number;
  repeats: number;
  /** Medians of mcpo with `servers` servers. */
  many: StartupSample;
  samples: StartupSample[];
  /** The same servers started without mcpo (bareStart.ts), median ms from exec of the launcher: the machine's floor. */
  bare: { manyMs: number; samples: number[] };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const demoServer = (repoRoot: string) => ({ command: process.execPath, args: [join(repoRoot, 'examples/stdio-demo/server.mjs')], cwd: repoRoot });

async function sample(repoRoot: string, count: number, extra: { cpuProfileDir?: string; bin?: string }): Promise<StartupSample> {
  const servers: Record<string, McpServerEntry> = {};
  for (let i = 1; i <= count; i++) servers[`demo${String(i).padStart(2, '0')}`] = demoServer(repoRoot);
  const mcpo = await startMcpo({ repoRoot, servers, logLevel: 'warn', ...extra });
  try {
    await sleep(IDLE_SETTLE_MS);
    const own = mcpo.memory();
    const children = childPids(mcpo.pid).map((pid) => memoryOf(pid)?.rss ?? 0);
    return {
      servers: count,
      listeningMs: mcpo.listeningMs,
      connectedMs: mcpo.connectedMs,
      ...(own ? { idleRss: own.rss } : {}),
      ...(children.length ? { childrenRss: children.reduce((a, b) => a + b, 0) } : {}),
    };
  } finally {
    await mcpo.stop();
  }
}

function medianSample(samples: StartupSample[]): StartupSample {
  const pick = (key: keyof StartupSample) => {
    const values = samples.map((s) => s[key]).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
  };
  const idleRss = pick('idleRss');
  const childrenRss = pick('childrenRss');
  return {
    servers: samples[0]!.servers,
    listeningMs: pick('listeningMs')!,
    connectedMs: pick('connectedMs')!,
    ...(idleRss === undefined ? {} : { idleRss }),
    ...(childrenRss === undefined ? {} : { childrenRss }),
  };
}

/** Alternates mcpo and the bare launcher `repeats` times, so slow phases of the machine hit both. */
export async function runScale(options: { repoRoot: string; servers: number; repeats: number; cpuProfileDir?: string; bin?: string }): Promise<ScaleResult> {
  const extra = { ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}), ...(options.bin ? { bin: options.bin } : {}) };
  const manys: StartupSample[] = [];
  const bareManys: number[] = [];
  const server = demoServer(options.repoRoot);
  for (let i = 0; i < options.repeats; i++) {
    manys.push(await sample(options.repoRoot, options.servers, extra));
    bareManys.push(await bareStartMs({ repoRoot: options.repoRoot, count: options.servers, ...server }));
  }
  return {
    servers: options.servers,
    repeats: options.repeats,
    many: medianSample(manys),
    samples: manys,
    bare: { manyMs: median(bareManys), samples: bareManys },
  };
}
