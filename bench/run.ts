/**
 * `npm run bench`: how much mcpo adds on top of calling the MCP server directly. Runs every scenario
 * side by side in one invocation (so the ratios hold on a noisy machine), prints the tables and the
 * PASS/FAIL of each target (targets.ts, issue #15), and writes the JSON to bench/results/. Exits 0 whatever the
 * verdicts unless --strict; exits 1 when the benchmark itself could not run.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import { DEFAULT_PER_USER_USERS, DEFAULT_STORE_CONNECTIONS, GROUPS, USAGE, parseBenchOptions, type BenchOptions } from './options.js';
import { runPerUser, type PerUserResult } from './perUser.js';
import { stopAll } from './proc.js';
import { machine, renderPerUser, renderRatios, renderScale, renderScenarios, renderStartup, renderStore, renderTargets, renderTopology, writeReport, type BenchReport } from './report.js';
import { runScale, type ScaleResult } from './scale.js';
import { mergeRounds, plan, runScenario, type ScenarioResult } from './scenarios.js';
import { runStartup, type StartupResult } from './startup.js';
import { runStore, type StoreResult } from './store.js';
import { evaluate, ratios, type Measurements } from './targets.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const NOTES = [
  'Load generator: autocannon in the orchestrator process, 127.0.0.1 only, pipelining 1, fixed connection count.',
  'Every system under test and every upstream MCP server runs in its own process; peak RSS is that of the system under test alone.',
  'mcpo runs as `node bin/mcpo.js --config <tmp> --log-level warn` (built by `npm run build`): no per-request log lines.',
  'The direct baseline is one SDK Client session with N callTool loops in flight (N = connections), as mcpo has one session per server.',
  'Latencies are per request in ms (float), from the load generator or the direct client.',
  'H = the bare Hono route\'s CPU per request, M = the direct client\'s CPU per call over the same transport, both at the same connections as mcpo.',
  'Start-up: each process timed from its spawn to the first 200 from its /healthz (mcpo and a bare Hono server, alternating).',
];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(options: BenchOptions): Promise<number> {
  const startedAt = new Date().toISOString();
  // Read before anything starts: a busy machine (other jobs) explains low absolute numbers.
  const machineInfo = machine();
  const mcpoBin = options.mcpoBin === undefined ? undefined : resolve(options.mcpoBin);
  const extra = { ...(options.cpuProfileDir ? { cpuProfileDir: resolve(options.cpuProfileDir) } : {}), ...(mcpoBin ? { mcpoBin } : {}) };
  const ctx = { repoRoot, warmupS: options.warmupS, ...extra };
  const compareBin = options.compareBin === undefined ? undefined : resolve(options.compareBin);
  const scenarios = plan({ ...options, ...(compareBin ? { compareBin } : {}) }).filter((s) => options.groups.has(s.group));
  const rounds: ScenarioResult[][] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const results: ScenarioResult[] = [];
    for (const [i, scenario] of scenarios.entries()) {
      const where = options.rounds > 1 ? `round ${round}/${options.rounds}, ` : '';
      const pace = scenario.rate ? ` at ${scenario.rate} req/s` : '';
      log(`[${where}${i + 1}/${scenarios.length}] ${scenario.id}: ${scenario.connections} connections${pace}, ${scenario.durationS} s after ${options.warmupS} s warm-up`);
      const result = await runScenario(scenario, ctx);
      log(`      ${Math.round(result.rps)} req/s, p50 ${result.latency.p50.toFixed(3)} ms, p99 ${result.latency.p99.toFixed(3)} ms, ${result.errors} errors`);
      results.push(result);
    }
    rounds.push(results);
  }
  const results = mergeRounds(rounds);
  // A start-up or scale measurement that fails (a server not connected in time on an overloaded machine, say)
  // makes its targets n/a with the reason; the scenarios measured before it are still reported.
  const failures: Measurements['failures'] = {};
  const attempt = async <T>(group: 'startup' | 'scale' | 'store', run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      failures[group] = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      log(`[${group}] failed: ${failures[group]}`);
      return undefined;
    }
  };
  let startup: StartupResult | undefined;
  if (options.groups.has('startup')) {
    log(`[startup] exec -> first /healthz 200, mcpo and bare Hono alternating, ${options.startupRepeats}x each`);
    startup = await attempt('startup', () => runStartup({
      repoRoot,
      repeats: options.startupRepeats,
      ...(extra.cpuProfileDir ? { cpuProfileDir: extra.cpuProfileDir } : {}),
      ...(mcpoBin ? { bin: mcpoBin } : {}),
      ...(compareBin ? { compareBin } : {}),
    }));
  }
  let scale: ScaleResult | undefined;
  if (options.groups.has('scale')) {
    log(`[scale] ${options.scaleServers} stdio servers through mcpo and bare, ${options.scaleRepeats}x each`);
    scale = await attempt('scale', () => runScale({
      repoRoot,
      servers: options.scaleServers,
      repeats: options.scaleRepeats,
      ...(extra.cpuProfileDir ? { cpuProfileDir: extra.cpuProfileDir } : {}),
      ...(mcpoBin ? { bin: mcpoBin } : {}),
    }));
  }

  let perUser: PerUserResult | undefined;
  if (options.groups.has('peruser')) {
    log(`[peruser] ${DEFAULT_PER_USER_USERS} users of a per-user OAuth server (the example server): first call vs warm, RSS per session`);
    try {
      perUser = await runPerUser({ repoRoot, users: DEFAULT_PER_USER_USERS, ...(mcpoBin ? { bin: mcpoBin } : {}) });
    } catch (error) {
      log(`[peruser] failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
    }
  }

  let store: StoreResult | undefined;
  if (options.groups.has('store')) {
    log(`[store] file store vs Redis store (--store) in front of the example OAuth server, ${DEFAULT_STORE_CONNECTIONS.join(' and ')} connections, ${options.durationS} s each after ${options.warmupS} s warm-up`);
    store = await attempt('store', () => runStore({ repoRoot, connections: DEFAULT_STORE_CONNECTIONS, durationS: options.durationS, warmupS: options.warmupS, ...(mcpoBin ? { bin: mcpoBin } : {}) }));
  }

  const targets = evaluate({
    results,
    ...(startup ? { startup } : {}),
    ...(scale ? { scale } : {}),
    ...(store ? { store } : {}),
    storeConnections: DEFAULT_STORE_CONNECTIONS,
    failures,
    connections: options.connections,
    stressConnections: options.stressConnections,
    scaleServers: options.scaleServers,
  });
  const report: BenchReport = {
    startedAt,
    machine: machineInfo,
    options: { ...options, groups: [...options.groups] },
    notes: NOTES,
    scenarios: results,
    ratios: ratios(results),
    ...(startup ? { startup } : {}),
    ...(scale ? { scale } : {}),
    ...(perUser ? { perUser } : {}),
    ...(store ? { store } : {}),
    ...(Object.keys(failures).length ? { failures } : {}),
    targets,
  };
  const m = report.machine;
  const out = [
    '',
    `mcpo benchmark: ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}, ${options.durationS} s windows after ${options.warmupS} s warm-up${options.quick ? ' (--quick)' : ''}` +
      (options.rounds > 1 ? `, ${options.rounds} rounds (each row: the round with the median req/s; errors summed over all rounds)` : ''),
    ...(mcpoBin ? [`mcpo under test: ${mcpoBin}`] : []),
    ...(compareBin ? [`alt-… rows: the same scenarios against ${compareBin}`] : []),
    `load average before the run: ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} (1/5/15 min; anything near or above ${m.cpus} means other work shared the CPUs)`,
    ...NOTES.map((n) => `  - ${n}`),
    '',
    'Topology:',
    renderTopology(results),
    '',
    results.length ? renderScenarios(results) : '(no throughput scenarios run)',
    '',
    ratios(results).length ? renderRatios(results) : '',
    '',
    startup ? renderStartup(startup) : '',
    '',
    scale ? renderScale(scale) : '',
    '',
    perUser ? renderPerUser(perUser) : '',
    '',
    store ? renderStore(store) : '',
    '',
    'Targets:',
    renderTargets(targets),
    '',
    `JSON: ${relative(process.cwd(), writeReport(join(repoRoot, 'bench/results'), report))}`,
  ];
  // Sections of groups left out are empty: one blank line between the others.
  process.stdout.write(out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n');
  const missed = targets.filter((t) => t.verdict === 'FAIL').length;
  return options.strict && missed > 0 ? 1 : 0;
}

let options: BenchOptions | 'help';
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(`${USAGE}\n  groups: ${GROUPS.join(', ')}\n`);
  process.exit(0);
}
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
main(options).then(
  async (code) => {
    await stopAll();
    process.exit(code);
  },
  async (error: unknown) => {
    await stopAll();
    process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
