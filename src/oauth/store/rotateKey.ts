/**
 * `mcpo auth rotate-key`: every token file in the tokens folder written again with the codec's first key (read
 * with any configured key, or as plaintext), each under its own lock and replaced atomically, so a running mcpo
 * sharing the folder never sees half a file or loses a refresh made meanwhile. Files that cannot be read are left
 * exactly as they are and reported.
 */
import type { Logger } from '../../log/logger.js';
import type { RecordCodec } from './codec/recordCodec.js';
import { FileTokenStore, type RewriteOutcome } from './fileTokenStore.js';
import { tokensDir } from './paths.js';
import { effectiveUid, nodeStoreFs, withPrivateDir, type StoreFs } from './privateFiles.js';

/** Token files: `<name>.json`, not hidden (temp files are), not a copy kept aside (`.json.corrupt-…`). */
const TOKEN_FILE = /^[^.][^/]*\.json$/;

export interface RotateKeyOptions {
  mcpoHome: string;
  /** Seals with its first key; must have one. */
  codec: RecordCodec;
  logger?: Logger;
  fs?: StoreFs;
  /** Default the effective uid. */
  uid?: number;
}

export interface RotateKeyReport {
  /** File names written again with the first key. */
  rewritten: string[];
  /** File names already sealed with the first key. */
  current: string[];
  /** File names left as they were, and why. */
  unreadable: { file: string; why: Extract<RewriteOutcome, { kind: 'unreadable' }>['why'] }[];
}

export async function rotateTokenKey(options: RotateKeyOptions): Promise<RotateKeyReport> {
  const fs = options.fs ?? nodeStoreFs;
  const uid = 'uid' in options ? options.uid : effectiveUid();
  const names = await withPrivateDir(fs, tokensDir(options.mcpoHome), { uid }, async (dir) => (dir ? fs.readdir(dir.self) : []));
  const report: RotateKeyReport = { rewritten: [], current: [], unreadable: [] };
  for (const fileName of names.filter((name) => TOKEN_FILE.test(name)).sort()) {
    const store = new FileTokenStore({
      mcpoHome: options.mcpoHome,
      fileName,
      codec: options.codec,
      fs,
      uid,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const outcome = await store.rewriteWithCurrentKey();
    if (outcome.kind === 'rewritten') report.rewritten.push(fileName);
    else if (outcome.kind === 'current') report.current.push(fileName);
    else if (outcome.kind === 'unreadable') report.unreadable.push({ file: fileName, why: outcome.why });
    // 'missing': removed (a logout) since the listing; nothing to do
  }
  return report;
}
