/**
 * The floor of the scale scenario: the same stdio servers started at once by a bare launcher
 * (bareLauncher.mjs: plain JavaScript, no mcpo, no SDK), each answering `initialize` and `tools/list` over
 * raw JSON-RPC lines. Timed like mcpo, from exec of the launcher's own Node process: on a machine with few
 * cores, N Node children need N times one child's start-up CPU whatever starts them, and any launcher is a
 * process that has to start first; mcpo's own cost is its time above this floor.
 */
import { join } from 'node:path';
import { firstJsonLine, spawnChild } from './proc.js';

export const BARE_TIMEOUT_MS = 60_000;

/** Milliseconds from spawning the launcher until every one of `count` servers has listed its tools. */
export async function bareStartMs(options: { repoRoot: string; count: number; command: string; args: string[]; cwd: string }): Promise<number> {
  const { repoRoot, ...job } = options;
  const started = performance.now();
  const launcher = spawnChild(process.execPath, [join(repoRoot, 'bench/bareLauncher.mjs'), JSON.stringify(job)], { cwd: repoRoot });
  try {
    const outcome = await firstJsonLine<{ ok: boolean; error?: string }>(launcher, BARE_TIMEOUT_MS);
    const elapsed = performance.now() - started;
    if (!outcome.ok) throw new Error(`bare start of ${job.count} servers failed: ${outcome.error ?? 'unknown'}`);
    return elapsed;
  } finally {
    await launcher.stop();
  }
}
