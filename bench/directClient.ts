/**
 * The MCP layer's upper bound, run as its own process (`node --import tsx bench/directClient.ts '<json>'`):
 * one SDK Client session to the server (over mcpo's transports or the SDK's stock ones: DirectClientKind), `connections` callTool loops in flight at once, a warm-up
 * window, then a measured window. Prints one JSON line (DirectResult) on stdout and exits.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { StreamableHttpTransport } from '../dist/mcp/http/streamableHttpTransport.js';
import { mcpHttpFetch } from '../dist/mcp/httpFetch.js';
import { BatchingStdioTransport } from '../dist/mcp/stdioTransport.js';
import { memoryOf } from './proc.js';
import { workload } from './servers/tools.js';
import { LatencyRecorder } from './stats.js';
import type { DirectJob, DirectResult } from './direct.js';

function transportFor(job: DirectJob): Transport {
  const mcpo = job.client === 'mcpo';
  if (job.target.kind === 'stdio') {
    const { command, args, cwd } = job.target;
    const params = { command, args, ...(cwd ? { cwd } : {}), stderr: 'inherit' as const };
    return mcpo ? new BatchingStdioTransport(params) : new StdioClientTransport(params);
  }
  const url = new URL(job.target.url);
  return mcpo ? new StreamableHttpTransport(url, { fetch: mcpHttpFetch }) : new StreamableHTTPClientTransport(url);
}

async function main(job: DirectJob): Promise<DirectResult> {
  const client = new Client({ name: 'mcpo-bench-direct', version: '1.0.0' });
  await client.connect(transportFor(job));
  const { tool, arguments: args } = workload(job.workload);
  const call = () => client.callTool({ name: tool, arguments: args });

  const probe = await call();
  if (probe.isError) throw new Error(`probe call failed: ${JSON.stringify(probe).slice(0, 500)}`);

  let errors = 0;
  const loops = async (seconds: number, connections: number, latencies?: LatencyRecorder) => {
    const end = performance.now() + seconds * 1000;
    const loop = async () => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          const result = await call();
          if (result.isError) errors++;
          else latencies?.record(performance.now() - start);
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, loop));
  };

  if (job.warmupS > 0) await loops(job.warmupS, job.warmupConnections);
  errors = 0;
  const latencies = new LatencyRecorder();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await loops(job.durationS, job.connections, latencies);
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const memory = memoryOf(process.pid);
  await client.close();
  return {
    requests: latencies.count,
    rps: latencies.count / elapsedS,
    latency: latencies.summary(),
    errors,
    errorBreakdown: { calls: errors },
    ...(latencies.count > 0 ? { cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / latencies.count } : {}),
    sample: JSON.stringify(probe).slice(0, 200),
    ...(memory ? { peakRss: memory.peakRss } : {}),
  };
}

main(JSON.parse(process.argv[2] ?? '{}') as DirectJob).then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`direct client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
