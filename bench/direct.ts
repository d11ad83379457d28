/**
 * Runs the direct-MCP baseline (./directClient.ts) in its own process, so it does not share a CPU
 * queue with the orchestrator: the same separation mcpo gets from the load generator.
 */
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import type { WorkloadName } from './servers/tools.js';
import { firstJsonLine, spawnChild, tsNode } from './proc.js';

export type DirectTarget = { kind: 'stdio'; command: string; args: string[]; cwd?: string } | { kind: 'streamable-http'; url: string };

/**
 * Which transports the SDK Client uses: `mcpo` = the ones mcpo itself uses (node:http fetch, batched stdin
 * writes: src/mcp/httpFetch.ts, src/mcp/stdioTransport.ts), the honest upper bound of mcpo's MCP layer;
 * `sdk` = the SDK's stock transports, shown for reference.
 */
export type DirectClientKind = 'mcpo' | 'sdk';

export interface DirectJob {
  target: DirectTarget;
  client: DirectClientKind;
  /** Built inside the child (the large one would not fit in an argv string). */
  workload: WorkloadName;
  connections: number;
  /** Loops in flight during the warm-up (see Scenario.warmup). */
  warmupConnections: number;
  warmupS: number;
  durationS: number;
}

export interface DirectResult extends LoadResult {
  /** VmHWM of the client process, bytes. */
  peakRss?: number;
}

export async function runDirect(repoRoot: string, job: DirectJob): Promise<DirectResult> {
  const child = spawnChild(process.execPath, tsNode(join(repoRoot, 'bench/directClient.ts'), JSON.stringify(job)), { cwd: repoRoot });
  const timeoutMs = (job.warmupS + job.durationS) * 1000 + 60_000;
  try {
    return await firstJsonLine<DirectResult>(child, timeoutMs);
  } finally {
    await child.stop();
  }
}
