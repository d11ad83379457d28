/**
 * mcpo as the system under test: the built CLI (bin/mcpo.js) in its own process, with a temporary
 * config file, on a loopback port, ready once /healthz says every server is connected.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, memoryOf, sleep, spawnChild, type Child, type Memory } from './proc.js';

/** How often /healthz is polled while waiting for the servers (also the resolution of the start-up times). */
export const HEALTH_POLL_MS = 5;
/** How long mcpo may take until every server is connected. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;

export type McpServerEntry =
  | { command: string; args: string[]; cwd?: string }
  | { type: 'streamable-http'; url: string; oauth?: Record<string, unknown> };

export interface McpoOptions {
  repoRoot: string;
  /** The CLI entry to run. Default: `repoRoot`/bin/mcpo.js. */
  bin?: string;
  servers: Record<string, McpServerEntry>;
  /** Default 'warn': request log lines (info) cost time on the hot path, as they would in production. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Write a V8 CPU profile of the mcpo process into this directory when it exits. */
  cpuProfileDir?: string;
  /** More command-line flags (e.g. `--store URL`). */
  args?: string[];
  /** Added to the orchestrator's environment (e.g. MCPO_HOME). */
  env?: Record<string, string>;
}

export interface McpoProcess {
  url: string;
  pid: number;
  child: Child;
  /** From spawning the process until /healthz first answered (Node start-up, config, listen). */
  listeningMs: number;
  /** From spawning the process until /healthz reported every server connected. */
  connectedMs: number;
  memory(): Memory | undefined;
  stop(): Promise<void>;
}

interface Health {
  status: 'ok' | 'degraded';
  servers: Record<string, { state: string; error?: string }>;
}

export async function startMcpo(options: McpoOptions): Promise<McpoProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-bench-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mcpServers: options.servers }));
  const port = await freePort();
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const started = performance.now();
  const child = spawnChild(
    process.execPath,
    [...nodeArgs, options.bin ?? join(options.repoRoot, 'bin/mcpo.js'), '--config', config, '--host', '127.0.0.1', '--port', String(port), '--log-level', options.logLevel ?? 'warn', ...(options.args ?? [])],
    { cwd: options.repoRoot, ...(options.env ? { env: { ...process.env, ...options.env } } : {}) },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let listeningMs: number | undefined;
    const expected = Object.keys(options.servers).length;
    for (;;) {
      if (child.process.exitCode !== null) throw new Error(`mcpo exited with ${child.process.exitCode}:\n${child.stderr().slice(-2000)}`);
      if (performance.now() - started > DEFAULT_CONNECT_TIMEOUT_MS) throw new Error(`mcpo did not connect every server in time:\n${child.stderr().slice(-2000)}`);
      const health = await fetch(`${url}/healthz`).then((r) => r.json() as Promise<Health>, () => undefined);
      if (health) {
        listeningMs ??= performance.now() - started;
        const failed = Object.entries(health.servers).find(([, s]) => s.state === 'failed');
        if (failed) throw new Error(`server ${failed[0]} failed: ${failed[1].error ?? 'unknown'}`);
        if (health.status === 'ok' && Object.keys(health.servers).length === expected) {
          return { url, pid: child.pid, child, listeningMs, connectedMs: performance.now() - started, memory: () => memoryOf(child.pid), stop };
        }
      }
      await sleep(HEALTH_POLL_MS);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
