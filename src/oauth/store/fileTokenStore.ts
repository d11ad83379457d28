/**
 * A TokenStore backed by one owner-only JSON file per (server, client identity):
 * `<mcpoHome>/tokens/<sha256>.json` (see paths.ts for the naming rules).
 *
 * - The tokens folder is created 0700 (tightened if it exists looser); the mcpo home is created 0700 when
 *   missing, and tightened only when it is the default `.mcpo` folder: MCPO_HOME may point at a folder the
 *   user shares, and the 0700 tokens folder alone already keeps others out.
 * - Nothing another user could have planted is used (MCPO_HOME may be a shared folder): a tokens folder or
 *   token file owned by another user, writable by group or others, or a symbolic link is refused with
 *   UntrustedTokenStoreError naming it. The folder is opened once per operation and checked (and tightened)
 *   on its descriptor, and every file in it reached through that descriptor (PrivateDir); files are opened
 *   with O_NOFOLLOW and checked (and tightened) on the open handle. So another user who swaps the tokens
 *   folder between two steps gets nothing written into theirs and no mode changed on what they point at.
 * - Files are 0600 and replaced atomically, so concurrent readers and crashes never see half a file.
 * - A corrupt, unparsable or schema-invalid file is copied aside as `<hash>.json.corrupt-<epoch ms>` (0600)
 *   and load() returns undefined, so a fresh authorization follows and its save() replaces the bad file.
 *   Copying (not renaming) means a good file written by another process at that moment is never moved away.
 * - Temp files of interrupted writes (a process killed mid-save, by anyone sharing the folder) are removed
 *   once per store, before its first load or save, when their writer is gone (see atomicWrite.ts).
 * - What the file holds is the codec's business (codec/recordCodec.ts): plaintext JSON without a token key,
 *   sealed with the first key with one; the file name is the record's identity, so a sealed record copied to another
 *   name fails authentication. With a key, a plaintext file is still read and sealed by the next save. A sealed file
 *   that fails authentication (tampered with, or another file's) is kept aside like a corrupt one; a file sealed
 *   with a key that is not configured is neither read, overwritten nor moved: load() and save() throw
 *   TokenFileEncryptedError.
 * - Warnings name the file, never its contents. Other servers' token files are never touched.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { TokenFileEncryptedError, TokenStoreIoError, UntrustedTokenStoreError } from '../errors.js';
import { sweepStaleTempFiles, writeFileAtomic } from './atomicWrite.js';
import { plainRecordCodec, type RecordCodec } from './codec/recordCodec.js';
import { withFileLock, type FileLockOptions } from './fileLock.js';
import { tokenFileName, tokensDir } from './paths.js';
import {
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  PrivateDir,
  effectiveUid,
  errnoCode,
  nodeStoreFs,
  readOwnedFile,
  withPrivateDir,
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
  /** The mcpo user whose tokens these are (per-user servers); undefined: the operator's. */
  user?: string | undefined;
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
  /** How records are written and read (plaintext, or sealed with token keys). Default plainRecordCodec. */
  codec?: RecordCodec;
}

/** A store for a token file found by name (`mcpo auth rotate-key` walks the folder) rather than derived from a server. */
export type FileTokenStoreByNameOptions = Omit<FileTokenStoreOptions, 'serverUrl' | 'clientIdentity'> & {
  /** The token file's name in `<mcpoHome>/tokens/`. */
  fileName: string;
};

/** What rewriteWithCurrentKey() did. */
export type RewriteOutcome =
  | { kind: 'rewritten' }
  /** Already stored the way the codec writes now. */
  | { kind: 'current' }
  | { kind: 'missing' }
  /** Left as it is: `why` is the codec's verdict (corrupt, refused, no_key) or 'io' for a read failure. */
  | { kind: 'unreadable'; why: 'corrupt' | 'refused' | 'no_key' | 'io' };

export class FileTokenStore implements TokenStore {
  /** Path of the token file (`<mcpoHome>/tokens/<hash>.json`). */
  readonly location: string;
  private readonly home: string;
  private readonly dir: string;
  private readonly name: string;
  private readonly lockPath: string;
  private readonly fs: StoreFs;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly lockOptions: FileLockOptions;
  private readonly staleTempAgeMs: number | undefined;
  private readonly uid: number | undefined;
  private readonly codec: RecordCodec;
  // Hash of the last corrupt contents copied aside, so repeated loads of the same bad file warn once.
  private lastCorrupt: string | undefined;
  private swept: Promise<unknown> | undefined;

  constructor(options: FileTokenStoreOptions | FileTokenStoreByNameOptions) {
    this.home = options.mcpoHome;
    this.dir = tokensDir(options.mcpoHome);
    this.name = 'fileName' in options ? options.fileName : tokenFileName(options.serverUrl, options.clientIdentity, options.user);
    this.location = path.join(this.dir, this.name);
    this.lockPath = path.join(this.dir, this.name.replace(/\.json$/, '.lock'));
    this.fs = options.fs ?? nodeStoreFs;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.lockOptions = { ...options.lock, fs: this.fs, logger: this.logger, now: this.now };
    this.staleTempAgeMs = options.staleTempAgeMs;
    this.uid = 'uid' in options ? options.uid : effectiveUid();
    this.codec = options.codec ?? plainRecordCodec;
  }

  async load(): Promise<StoredAuth | undefined> {
    return withPrivateDir(this.fs, this.dir, { uid: this.uid }, async (dir) => {
      if (!dir) return undefined; // no tokens folder yet
      await this.sweepOnce(dir);
      let read: Awaited<ReturnType<typeof readOwnedFile>>;
      try {
        read = await readOwnedFile(this.fs, dir.entry(this.name), this.uid, { shown: this.location, tightenTo: PRIVATE_FILE_MODE });
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
      const decoded = this.codec.decode(read.text, this.name);
      switch (decoded.kind) {
        case 'record':
          // Someone copied it in with looser permissions: brought back to 0600 on the descriptor it was read from.
          if (read.tightened) this.logger.warn('Token file was readable by others; permissions set to 0600', { file: this.location });
          return decoded.record;
        case 'no_key':
          throw new TokenFileEncryptedError(this.location, decoded.keyId, this.codec.keyIds);
        case 'refused':
          await this.keepCorruptAside(dir, read.text, 'Token file failed authentication (tampered with, or copied from another token file); kept a copy aside, a fresh authorization will follow');
          return undefined;
        case 'corrupt':
          await this.keepCorruptAside(dir, read.text, 'Token file is corrupt; kept a copy aside, a fresh authorization will follow');
          return undefined;
      }
    });
  }

  async save(state: StoredAuth): Promise<void> {
    const valid = StoredAuthSchema.parse(state);
    try {
      await this.withDir(async (dir) => {
        await this.sweepOnce(dir);
        await this.refuseToReplaceSealed(dir);
        await writeFileAtomic(this.fs, dir, this.name, this.codec.encode(valid, this.name));
      });
    } catch (err) {
      if (err instanceof UntrustedTokenStoreError || err instanceof TokenFileEncryptedError) throw err;
      throw new TokenStoreIoError('write', this.location, err);
    }
    this.lastCorrupt = undefined;
  }

  async clear(): Promise<void> {
    try {
      await withPrivateDir(this.fs, this.dir, { uid: this.uid }, async (dir) => {
        if (dir) await this.fs.unlink(dir.entry(this.name));
      });
    } catch (err) {
      if (err instanceof UntrustedTokenStoreError) throw err;
      if (errnoCode(err) !== 'ENOENT') throw new TokenStoreIoError('delete', this.location, err);
    }
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    let opened: PrivateDir;
    try {
      opened = await this.openDir();
    } catch (err) {
      if (err instanceof UntrustedTokenStoreError) throw err;
      throw new TokenStoreIoError('create the folder of', this.location, err);
    }
    try {
      return await withFileLock(this.lockPath, fn, { ...this.lockOptions, at: opened.entry(path.basename(this.lockPath)) });
    } finally {
      await opened.close();
    }
  }

  /**
   * Under the lock: writes the record again with the codec (the first token key) when it is stored otherwise
   * (plaintext, an older key). Never keeps a file aside or deletes one: what it cannot read stays as it is.
   */
  async rewriteWithCurrentKey(): Promise<RewriteOutcome> {
    return this.withLock(() =>
      this.withDir(async (dir) => {
        let text: string;
        try {
          text = (await readOwnedFile(this.fs, dir.entry(this.name), this.uid, { shown: this.location, tightenTo: PRIVATE_FILE_MODE })).text;
        } catch (err) {
          if (errnoCode(err) === 'ENOENT') return { kind: 'missing' };
          if (err instanceof UntrustedTokenStoreError) throw err;
          if (errnoCode(err) === 'ELOOP') throw new UntrustedTokenStoreError(this.location, 'is a symbolic link');
          return { kind: 'unreadable', why: 'io' };
        }
        const decoded = this.codec.decode(text, this.name);
        if (decoded.kind !== 'record') return { kind: 'unreadable', why: decoded.kind };
        if (decoded.current) return { kind: 'current' };
        try {
          await writeFileAtomic(this.fs, dir, this.name, this.codec.encode(decoded.record, this.name));
        } catch (err) {
          throw new TokenStoreIoError('write', this.location, err);
        }
        return { kind: 'rewritten' };
      }),
    );
  }

  /**
   * A file sealed with a key this store was not given must survive: every save follows a load that throws for it,
   * but a save that did not (or a key removed meanwhile by another process's restart) would replace it for good.
   */
  private async refuseToReplaceSealed(dir: PrivateDir): Promise<void> {
    let text: string;
    try {
      text = (await readOwnedFile(this.fs, dir.entry(this.name), this.uid, { shown: this.location })).text;
    } catch {
      return; // missing, or unreadable: the write decides (and reports) what happens
    }
    const decoded = this.codec.decode(text, this.name);
    if (decoded.kind === 'no_key') throw new TokenFileEncryptedError(this.location, decoded.keyId, this.codec.keyIds);
  }

  /** Once per store: leftovers of interrupted writes go before this store reads or writes (never throws). */
  private sweepOnce(dir: PrivateDir): Promise<unknown> {
    this.swept ??= sweepStaleTempFiles({
      fs: this.fs,
      dir,
      logger: this.logger, // ages are judged by the real clock: file mtimes come from it, not from `now`
      ...(this.staleTempAgeMs === undefined ? {} : { maxAgeMs: this.staleTempAgeMs }),
    });
    return this.swept;
  }

  /** Runs `fn` in the tokens folder, made (and the mcpo home) if missing, checked and tightened on its descriptor. */
  private async withDir<T>(fn: (dir: PrivateDir) => Promise<T>): Promise<T> {
    const dir = await this.openDir();
    try {
      return await fn(dir);
    } finally {
      await dir.close();
    }
  }

  private async openDir(): Promise<PrivateDir> {
    await this.fs.mkdir(this.home, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (path.basename(this.home) === DEFAULT_HOME_BASENAME) await this.tightenHome();
    return (await PrivateDir.open(this.fs, this.dir, { uid: this.uid, create: true, tighten: true }))!;
  }

  /** The default `~/.mcpo` is brought to 0700 (on its descriptor); one the user made a symbolic link is left as it is. */
  private async tightenHome(): Promise<void> {
    try {
      await (await PrivateDir.open(this.fs, this.home, { tighten: true }))?.close();
    } catch (err) {
      if (!(err instanceof UntrustedTokenStoreError)) throw err;
    }
  }

  private async keepCorruptAside(dir: PrivateDir, raw: string, warning: string): Promise<void> {
    const signature = createHash('sha256').update(raw).digest('hex');
    if (signature === this.lastCorrupt) return;
    this.lastCorrupt = signature;
    const asideName = `${this.name}.corrupt-${this.now()}`;
    const aside = dir.shown(asideName);
    try {
      await writeNewPrivateFile(this.fs, dir.entry(asideName), raw);
      this.logger.warn(warning, { file: this.location, keptAs: aside });
    } catch (err) {
      this.logger.warn('Token file is corrupt and could not be copied aside; a fresh authorization will follow', {
        file: this.location,
        error: errnoCode(err) ?? 'unknown',
      });
    }
  }
}
