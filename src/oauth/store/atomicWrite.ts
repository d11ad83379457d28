/**
 * Atomic token file writes and their temp files: a 0600 temp file in the same folder, fsynced, renamed
 * over the target. A process killed between creating and renaming leaves its temp file behind, so the
 * names say who wrote them and sweepStaleTempFiles removes those whose writer is gone:
 *
 *   .<target>.<pid>-<host>.<random>.tmp     <host>: first 8 hex digits of sha256(os.hostname())
 *
 * A temp file is stale when
 * - its host is this one and its pid is dead; or its pid is ours but this process is not writing it
 *   (a restarted container reusing the pid; writes in flight here are tracked in a set);
 * - its host is another one (a tokens folder shared over the network), or it carries no pid (names of
 *   earlier versions, the lock's temp and aside files), and it is older than DEFAULT_STALE_TEMP_AGE_MS:
 *   a write takes milliseconds, so 10 minutes can only be a leftover.
 * Only regular files whose whole name matches one of these patterns (with a 64-hex-digit token file
 * hash) are candidates: nothing else in the folder is ever removed.
 *
 * Both work in a folder opened and checked once (PrivateDir): the temp file is created, renamed and the
 * folder synced through its descriptor, so a tokens folder swapped by another user meanwhile (a shared,
 * non-sticky MCPO_HOME) receives nothing.
 */
import { createHash } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import type { Logger } from '../../log/logger.js';
import { isProcessAlive } from './fileLock.js';
import { errnoCode, randomSuffix, writeNewPrivateFile, type PrivateDir, type StoreFs } from './privateFiles.js';

/** A temp file without a usable pid that is older than this is a leftover: 10 minutes. */
export const DEFAULT_STALE_TEMP_AGE_MS = 10 * 60_000;

const HASH = '[0-9a-f]{64}';
const RANDOM = '[0-9a-f]{16}';
/** Temp files of token writes that name their writer: groups pid, host tag. */
const WRITER_TEMP = new RegExp(`^\\.${HASH}\\.json\\.(\\d+)-([0-9a-f]{8})\\.${RANDOM}\\.tmp$`);
/** Names without a writer: token writes of earlier versions, the lock's temp file and its aside copy (fileLock.ts). */
const ANONYMOUS_TEMPS = [
  new RegExp(`^\\.${HASH}\\.json\\.${RANDOM}\\.tmp$`),
  new RegExp(`^${HASH}\\.lock\\.${RANDOM}\\.tmp$`),
  new RegExp(`^${HASH}\\.lock\\.stale-${RANDOM}$`),
];

// Temp files this process is writing now: its own pid on a temp file outside this set means a leftover.
const inFlight = new Set<string>();

/** The writer part of temp names: first 8 hex digits of sha256(hostname). */
export function hostTag(hostname: string = osHostname()): string {
  return createHash('sha256').update(hostname, 'utf8').digest('hex').slice(0, 8);
}

/** The temp path for writing `file` (see the header for the name format). */
export function tempPathFor(file: string, writer: { pid: number; hostname: string } = { pid: process.pid, hostname: osHostname() }): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${writer.pid}-${hostTag(writer.hostname)}.${randomSuffix()}.tmp`);
}

/**
 * Replaces `name` in `dir` with `data` atomically: a 0600 temp file (O_EXCL, see tempPathFor) is written,
 * fsynced, then renamed over `name`. On any failure the temp file is removed and the file keeps its previous
 * contents.
 */
export async function writeFileAtomic(fs: StoreFs, dir: PrivateDir, name: string, data: string): Promise<void> {
  const temp = path.basename(tempPathFor(dir.shown(name)));
  const tracked = dir.shown(temp);
  inFlight.add(tracked);
  try {
    await writeNewPrivateFile(fs, dir.entry(temp), data);
    await fs.rename(dir.entry(temp), dir.entry(name));
  } catch (err) {
    await fs.unlink(dir.entry(temp)).catch(() => undefined);
    throw err;
  } finally {
    inFlight.delete(tracked);
  }
  await dir.sync();
}

export interface SweepOptions {
  fs: StoreFs;
  /** The tokens folder, opened. */
  dir: PrivateDir;
  /** Epoch ms, compared with the files' mtime (set by the OS clock, hence the default). Default Date.now. */
  now?: () => number;
  /** Default DEFAULT_STALE_TEMP_AGE_MS. */
  maxAgeMs?: number;
  logger: Logger;
}

/** Removes the stale temp files of `dir` (see the header); best effort, never throws. Returns the names removed. */
export async function sweepStaleTempFiles(options: SweepOptions): Promise<string[]> {
  const { fs, dir } = options;
  let names: string[];
  try {
    names = await fs.readdir(dir.self);
  } catch {
    return []; // unreadable: the store works without this
  }
  const removed: string[] = [];
  for (const name of names) {
    const writer = WRITER_TEMP.exec(name);
    if (!writer && !ANONYMOUS_TEMPS.some((pattern) => pattern.test(name))) continue;
    const file = dir.shown(name);
    try {
      const st = await fs.lstat(dir.entry(name));
      if (!st.isFile()) continue;
      const old = (options.now ?? Date.now)() - st.mtimeMs > (options.maxAgeMs ?? DEFAULT_STALE_TEMP_AGE_MS);
      if (!(writer ? writerGone(file, Number(writer[1]), writer[2]!, old) : old)) continue;
      await fs.unlink(dir.entry(name));
      removed.push(name);
      options.logger.debug('Removed a temp file left by an interrupted token write', { file });
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') options.logger.debug('Could not remove a leftover temp file', { file, error: errnoCode(err) ?? 'unknown' });
    }
  }
  return removed;
}

let ownHostTag: string | undefined;

function writerGone(file: string, pid: number, host: string, old: boolean): boolean {
  ownHostTag ??= hostTag();
  if (host !== ownHostTag) return old; // another host's pids mean nothing here
  if (pid === process.pid) return !inFlight.has(file);
  return !isProcessAlive(pid);
}
