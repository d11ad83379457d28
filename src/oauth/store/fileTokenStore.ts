/**
 * A TokenStore backed by one owner-only JSON file per (server, client identity):
 * `<mcpoHome>/tokens/<sha256>.json` (see paths.ts for the naming rules).
 *
 * - The tokens folder is created 0700 (tightened if it exists looser); the mcpo home is created 0700 when
 *   missing, and tightened only when it is the default `.mcpo` folder: MCPO_HOME may point at a folder the
 *   user shares, and the 0700 tokens folder alone already keeps others out.
 * - Nothing another user could have planted is used (MCPO_HOME may be a shared folder): a tokens folder or
 *   token file owned by another user, writable by group or others, or a symbolic link is refused with
 *   UntrustedTokenStoreError naming it; files are opened with O_NOFOLLOW and checked on the open handle.
 * - Files are 0600 and replaced atomically, so concurrent readers and crashes never see half a file.
 * - A corrupt, unparsable or schema-invalid file is copied aside as `<hash>.json.corrupt-<epoch ms>` (0600)
 *   and load() returns undefined, so a fresh authorization follows and its save() replaces the bad file.
 *   Copying (not renaming) means a good file written by another process at that moment is never moved away.
 * - Temp files of interrupted writes (a process killed mid-save, by anyone sharing the folder) are removed
 *   once per store, before its first load or save, when their writer is gone (see atomicWrite.ts).
 * - Warnings name the file, never its contents. Other servers' token files are never touched.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { TokenStoreIoError, UntrustedTokenStoreError } from '../errors.js';
import { sweepStaleTempFiles, writeFileAtomic } from './atomicWrite.js';
import { withFileLock, type FileLockOptions } from './fileLock.js';
import { tokenFileName, tokensDir } from './paths.js';
import {
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  assertOwnedPrivately,
  effectiveUid,
  ensurePrivateDir,
  errnoCode,
  nodeStoreFs,
  readOwnedFile,
  tightenMode,
  writeNewPrivateFile,
  type StoreFs,
} from './privateFiles.js';
import { StoredAuthSchema, type StoredAuth } from './schema.js';
import type { TokenStore } from './tokenStore.js';

/** Client identity of a client registered dynamically (RFC 7591), as opposed to a configured client_id. */
export const DYNAMIC_CLIENT_IDENTITY = 'dynamic';

const DEFAULT_HOME_BASENAME = '.mcpo';

export interface FileTokenStoreOptions {
  /** The mcpo home folder (see resolveMcpoHome). Token files go to `<mcpoHome>/tokens/`. */
  mcpoHome: string;
  /** The MCP server URL as configured. */
  serverUrl: string;
  /** A configured client_id, a client metadata URL, or DYNAMIC_CLIENT_IDENTITY. */
  clientIdentity: string;
  /** Default silentLogger. */
  logger?: Logger;
  /** Default node:fs/promises. */
  fs?: StoreFs;
  /** Epoch ms, for corrupt-file names and lock ages. Default Date.now. */
  now?: () => number;
  /** Lease, timeout, backoff and liveness settings of the cross-process lock (see fileLock.ts). */
  lock?: Omit<FileLockOptions, 'fs' | 'logger' | 'now'>;
  /** Age after which a temp file without a usable pid is a leftover. Default DEFAULT_STALE_TEMP_AGE_MS (10 min). */
  staleTempAgeMs?: number;
  /** The user the folder and files must belong to. Default the effective uid (none on Windows: not checked). */
  uid?: number;
}

export class FileTokenStore implements TokenStore {
  /** Path of the token file (`<mcpoHome>/tokens/<hash>.json`). */
  readonly location: string;
  private readonly home: string;
  private readonly dir: string;
  private readonly lockPath: string;
  private readonly fs: StoreFs;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly lockOptions: FileLockOptions;
  private readonly staleTempAgeMs: number | undefined;
  private readonly uid: number | undefined;
  // Hash of the last corrupt contents copied aside, so repeated loads of the same bad file warn once.
  private lastCorrupt: string | undefined;
  private swept: Promise<unknown> | undefined;

  constructor(options: FileTokenStoreOptions) {
    this.home = options.mcpoHome;
    this.dir = tokensDir(options.mcpoHome);
    const name = tokenFileName(options.serverUrl, options.clientIdentity);
    this.location = path.join(this.dir, name);
    this.lockPath = path.join(this.dir, name.replace(/\.json$/, '.lock'));
    this.fs = options.fs ?? nodeStoreFs;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.lockOptions = { ...options.lock, fs: this.fs, logger: this.logger, now: this.now };
    this.staleTempAgeMs = options.staleTempAgeMs;
    this.uid = 'uid' in options ? options.uid : effectiveUid();
  }

  async load(): Promise<StoredAuth | undefined> {
    if (!(await this.checkDir())) return undefined;
    await this.sweepOnce();
    let raw: string;
    try {
      raw = (await readOwnedFile(this.fs, this.location, this.uid)).text;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      if (err instanceof UntrustedTokenStoreError) throw err;
      if (errnoCode(err) === 'ELOOP') throw new UntrustedTokenStoreError(this.location, 'is a symbolic link');
      this.logger.warn('Token file is unreadable; a fresh authorization will follow', {
        file: this.location,
        error: errnoCode(err) ?? 'unknown',
      });
      return undefined;
    }
    const state = parseStoredAuth(raw);
    if (state === undefined) {
      await this.keepCorruptAside(raw);
      return undefined;
    }
    await this.tightenFile();
    return state;
  }

  async save(state: StoredAuth): Promise<void> {
    const valid = StoredAuthSchema.parse(state);
    await this.sweepOnce();
    try {
      await this.ensureDirs();
      await writeFileAtomic(this.fs, this.location, JSON.stringify(valid, null, 2) + '\n');
    } catch (err) {
      if (err instanceof UntrustedTokenStoreError) throw err;
      throw new TokenStoreIoError('write', this.location, err);
    }
    this.lastCorrupt = undefined;
  }

  async clear(): Promise<void> {
    try {
      await this.fs.unlink(this.location);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw new TokenStoreIoError('delete', this.location, err);
    }
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await this.ensureDirs();
    } catch (err) {
      if (err instanceof UntrustedTokenStoreError) throw err;
      throw new TokenStoreIoError('create the folder of', this.location, err);
    }
    return withFileLock(this.lockPath, fn, this.lockOptions);
  }

  /** Once per store: leftovers of interrupted writes go before this store reads or writes (never throws). */
  private sweepOnce(): Promise<unknown> {
    this.swept ??= sweepStaleTempFiles({
      fs: this.fs,
      dir: this.dir,
      logger: this.logger, // ages are judged by the real clock: file mtimes come from it, not from `now`
      ...(this.staleTempAgeMs === undefined ? {} : { maxAgeMs: this.staleTempAgeMs }),
    });
    return this.swept;
  }

  private async ensureDirs(): Promise<void> {
    await this.fs.mkdir(this.home, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (path.basename(this.home) === DEFAULT_HOME_BASENAME) await tightenMode(this.fs, this.home, PRIVATE_DIR_MODE);
    await ensurePrivateDir(this.fs, this.dir, this.uid);
  }

  /** False when the tokens folder does not exist yet; throws UntrustedTokenStoreError when it is not ours alone. */
  private async checkDir(): Promise<boolean> {
    try {
      assertOwnedPrivately(await this.fs.lstat(this.dir), this.dir, this.uid);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /** A token file someone copied in with looser permissions is brought back to 0600. */
  private async tightenFile(): Promise<void> {
    try {
      if (await tightenMode(this.fs, this.location, PRIVATE_FILE_MODE)) {
        this.logger.warn('Token file was readable by others; permissions set to 0600', { file: this.location });
      }
    } catch {
      // The file may have been replaced or removed meanwhile; its next save writes it 0600 anyway.
    }
  }

  private async keepCorruptAside(raw: string): Promise<void> {
    const signature = createHash('sha256').update(raw).digest('hex');
    if (signature === this.lastCorrupt) return;
    this.lastCorrupt = signature;
    const aside = `${this.location}.corrupt-${this.now()}`;
    try {
      await writeNewPrivateFile(this.fs, aside, raw);
      this.logger.warn('Token file is corrupt; kept a copy aside, a fresh authorization will follow', {
        file: this.location,
        keptAs: aside,
      });
    } catch (err) {
      this.logger.warn('Token file is corrupt and could not be copied aside; a fresh authorization will follow', {
        file: this.location,
        error: errnoCode(err) ?? 'unknown',
      });
    }
  }
}

/** The state in `raw`, or undefined when it is not JSON or does not match the schema (including another version). */
function parseStoredAuth(raw: string): StoredAuth | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = StoredAuthSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
