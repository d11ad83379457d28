/**
 * Start-up, side by side: mcpo (bin/mcpo.js with one stdio server) and a bare Hono server with a health route
 * (servers/honoHealth.mjs), each timed the same way: from spawning the process until GET /healthz first
 * answers 200. The two alternate `repeats` times, so a slow phase of a shared machine hits both, and each
 * keeps its median. With --compare, a second mcpo build joins the alternation (A/B of start-up work).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, spawnChild } from './proc.js';
import { median } from './stats.js';

/** How often /healthz is polled while a process starts (the resolution of the timings). */
export const STARTUP_POLL_MS = 2;
/** How long either process may take to answer before the measurement fails. */
export const STARTUP_TIMEOUT_MS = 30_000;

export interface StartupResult {
  repeats: number;
  /** Median ms from spawn to the first 200 from the bare Hono server's /healthz. */
  honoMs: number;
  /** Median ms from spawn to the first 200 from mcpo's /healthz. */
  mcpoMs: number;
  /** The same for the --compare build. */
  altMs?: number;
  samples: { honoMs: number[]; mcpoMs: number[]; altMs?: number[] };
}

/** One GET /healthz on a fresh connection: true on 200, false on any other answer or a refused connection. */
function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
  });
}

/** Milliseconds from spawning `node args…` until its /healthz on `port` answers 200; the process is stopped after. */
export async function timeToHealthy(args: string[], port: number, cwd: string): Promise<number> {
  // The first request of this process sets up its HTTP client: not part of anyone's start-up.
  await healthy(port);
  const started = performance.now();
  const child = spawnChild(process.execPath, args, { cwd });
  try {
    for (;;) {
      if (await healthy(port)) return performance.now() - started;
      if (child.process.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.process.exitCode}:\n${child.stderr().slice(-2000)}`);
      if (performance.now() - started > STARTUP_TIMEOUT_MS) throw new Error(`${args.join(' ')} did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms`);
      await sleep(STARTUP_POLL_MS);
    }
  } finally {
    await child.stop();
  }
}

export interface StartupOptions {
  repoRoot: string;
  repeats: number;
  /** The mcpo entry point (default: this checkout's bin/mcpo.js). */
  bin?: string;
  /** A second build timed in the same alternation (--compare). */
  compareBin?: string;
  /** Write a V8 CPU profile of each mcpo start into this directory (the timings then include the profiler's cost). */
  cpuProfileDir?: string;
}

export async function runStartup(options: StartupOptions): Promise<StartupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-bench-startup-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { demo: { command: process.execPath, args: [join(options.repoRoot, 'examples/stdio-demo/server.mjs')] } } }));
  const profile = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const mcpoArgs = (bin: string, port: number) => [...profile, bin, '--config', config, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  const time = async (args: (port: number) => string[]) => {
    const port = await freePort();
    return timeToHealthy(args(port), port, options.repoRoot);
  };
  const honoMs: number[] = [];
  const mcpoMs: number[] = [];
  const altMs: number[] = [];
  try {
    for (let i = 0; i < options.repeats; i++) {
      honoMs.push(await time((port) => [join(options.repoRoot, 'bench/servers/honoHealth.mjs'), String(port)]));
      mcpoMs.push(await time((port) => mcpoArgs(options.bin ?? join(options.repoRoot, 'bin/mcpo.js'), port)));
      const alt = options.compareBin;
      if (alt) altMs.push(await time((port) => mcpoArgs(alt, port)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    repeats: options.repeats,
    honoMs: median(honoMs),
    mcpoMs: median(mcpoMs),
    ...(altMs.length ? { altMs: median(altMs) } : {}),
    samples: { honoMs, mcpoMs, ...(altMs.length ? { altMs } : {}) },
  };
}
