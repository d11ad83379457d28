/**
 * The HTTP load generator: autocannon against one loopback URL, a warm-up window, then a measured
 * window whose every response latency is recorded as a float (see ./stats.ts). A probe request first
 * checks the route answers 200 and fixes the expected body: every measured response must match it.
 */
import autocannon from 'autocannon';
import { cpuTimeMs } from './proc.js';
import { LatencyRecorder, type LatencySummary } from './stats.js';

/** Seconds autocannon waits for a response before counting a timeout (an error). */
export const REQUEST_TIMEOUT_S = 10;

export interface HttpLoadOptions {
  url: string;
  /** JSON request body (POST). */
  body: string;
  connections: number;
  /** Connections during the warm-up; default `connections`. */
  warmupConnections?: number;
  warmupS: number;
  durationS: number;
  /** Offered requests/s over all connections, warm-up included (autocannon overallRate); default: unpaced. */
  rate?: number | undefined;
  /** Process whose CPU time is measured over the measured window (the system under test). */
  pid?: number;
  /** Run right before the measured window opens and right after it closes (after the warm-up; readings of other counters). */
  window?: { opening(): Promise<void>; closed(): Promise<void> };
}

export interface LoadResult {
  /** Completed requests in the measured window (2xx, expected body). */
  requests: number;
  /** Requests per second over the measured window. */
  rps: number;
  latency: LatencySummary;
  /** Errors of any kind: connection errors, timeouts, non-2xx answers, unexpected bodies. */
  errors: number;
  errorBreakdown: Record<string, number>;
  /** CPU time the system under test used per completed request in the measured window, ms. */
  cpuMsPerRequest?: number;
  /** The answer of the probe request (the body every response was compared against). */
  sample: string;
}

async function probe(url: string, body: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`probe of ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

function fire(options: autocannon.Options, onResponse?: (ms: number, status: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    if (onResponse) instance.on('response', (_client, status, _bytes, ms) => onResponse(ms, status));
  });
}

export async function runHttpLoad(options: HttpLoadOptions): Promise<LoadResult> {
  const sample = await probe(options.url, options.body);
  const base: autocannon.Options = {
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    pipelining: 1,
    timeout: REQUEST_TIMEOUT_S,
    expectBody: sample,
    ...(options.rate ? { overallRate: options.rate } : {}),
  };
  if (options.warmupS > 0) await fire({ ...base, connections: options.warmupConnections ?? options.connections, duration: options.warmupS });

  const latencies = new LatencyRecorder();
  await options.window?.opening();
  const cpuBefore = options.pid === undefined ? undefined : cpuTimeMs(options.pid);
  const started = performance.now();
  const result = await fire({ ...base, duration: options.durationS }, (ms, status) => {
    if (status >= 200 && status < 300) latencies.record(ms);
  });
  const elapsedS = (performance.now() - started) / 1000;
  const cpuAfter = options.pid === undefined ? undefined : cpuTimeMs(options.pid);
  await options.window?.closed();
  const errorBreakdown = { connection: result.errors - result.timeouts, timeouts: result.timeouts, non2xx: result.non2xx, mismatches: result.mismatches };
  // Mismatched bodies were still 2xx and recorded: count them out of the completed requests.
  const requests = latencies.count - result.mismatches;
  return {
    requests,
    rps: requests / elapsedS,
    latency: latencies.summary(),
    errors: Object.values(errorBreakdown).reduce((a, b) => a + b, 0),
    errorBreakdown,
    ...(cpuBefore !== undefined && cpuAfter !== undefined && requests > 0 ? { cpuMsPerRequest: (cpuAfter - cpuBefore) / requests } : {}),
    sample: sample.slice(0, 200),
  };
}
