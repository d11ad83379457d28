/**
 * Owner-only files and folders: folders 0700, files 0600, created with O_EXCL. (Atomic replacement of a
 * token file, and the cleanup of its temp files, is atomicWrite.ts.)
 * The file system is injected so tests can make a step fail.
 *
 * Checks are made on descriptors, never by path then by path again: with MCPO_HOME on a shared folder that
 * is not sticky, another user can rename the tokens folder away and put their own (or a symbolic link) in its
 * place between two steps. A folder is opened once (O_DIRECTORY | O_NOFOLLOW), its owner and mode checked and
 * tightened on that descriptor (fstat, fchmod), and the files in it are reached through the descriptor
 * (`/proc/self/fd/N/name`, Linux's openat; elsewhere by path, after the same descriptor checks). A file is
 * likewise checked and tightened on the descriptor it is read from.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, existsSync, type Stats } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { UntrustedTokenStoreError } from '../errors.js';

/** The file-system calls the token store makes (node:fs/promises by default). */
export type StoreFs = Pick<
  typeof nodeFs,
  'mkdir' | 'chmod' | 'stat' | 'lstat' | 'open' | 'rename' | 'unlink' | 'readFile' | 'link' | 'readdir'
>;

export const nodeStoreFs: StoreFs = nodeFs;

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Error code of a Node fs error, if any. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** A random suffix for temp and aside files: unguessable, so O_EXCL creation cannot be pre-empted. */
export function randomSuffix(): string {
  return randomBytes(8).toString('hex');
}

/** Names in a folder reached through its descriptor: Linux's /proc/self/fd, where there is one. */
const FD_PATHS = existsSync('/proc/self/fd');
const DIR_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_DIRECTORY ?? 0) | (fsConstants.O_NOFOLLOW ?? 0);

/**
 * A folder opened once and checked on its descriptor; `entry(name)` reaches a name inside that very folder
 * even if its path has been swapped since. Close it when done.
 */
export class PrivateDir {
  private constructor(
    /** The folder's path, for messages. */
    readonly path: string,
    /** None on Windows, where folders cannot be opened: checks and names go by path there. */
    private readonly handle: nodeFs.FileHandle | undefined,
  ) {}

  /**
   * Opens `dir` without following a symbolic link and checks it on the descriptor (assertOwnedPrivately, when
   * `uid` is given); `tighten` brings a folder readable by group or others to 0700 (fchmod). `create` makes it
   * (and missing parents) 0700 first; without it a missing folder is undefined.
   */
  static async open(fs: StoreFs, dir: string, options: { uid?: number | undefined; create?: boolean; tighten?: boolean }): Promise<PrivateDir | undefined> {
    if (options.create) await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (process.platform === 'win32') return PrivateDir.byPath(fs, dir, options);
    let handle: nodeFs.FileHandle;
    try {
      handle = await fs.open(dir, DIR_FLAGS);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && !options.create) return undefined;
      // O_NOFOLLOW | O_DIRECTORY on a symbolic link fails with ELOOP or ENOTDIR, depending on the system.
      if (errnoCode(err) === 'ELOOP' || ((await fs.lstat(dir).catch(() => undefined))?.isSymbolicLink() ?? false)) {
        throw new UntrustedTokenStoreError(dir, 'is a symbolic link');
      }
      throw err;
    }
    try {
      const st = await handle.stat();
      if ('uid' in options) assertOwnedPrivately(st, dir, options.uid);
      if (options.tighten && (st.mode & 0o077) !== 0) await handle.chmod(PRIVATE_DIR_MODE);
      return new PrivateDir(dir, handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Windows: the same checks by path (no owners there, and no way to open a folder). */
  private static async byPath(fs: StoreFs, dir: string, options: { uid?: number | undefined; tighten?: boolean }): Promise<PrivateDir | undefined> {
    let st: Stats;
    try {
      st = await fs.lstat(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    if ('uid' in options) assertOwnedPrivately(st, dir, options.uid);
    if (options.tighten && (st.mode & 0o077) !== 0) await fs.chmod(dir, PRIVATE_DIR_MODE);
    return new PrivateDir(dir, undefined);
  }

  /** The path that reaches `name` in this folder (through the descriptor where the system allows it). */
  entry(name: string): string {
    return FD_PATHS && this.handle ? `/proc/self/fd/${this.handle.fd}/${name}` : path.join(this.path, name);
  }

  /** The path to reach the folder itself (for readdir). */
  get self(): string {
    return FD_PATHS && this.handle ? `/proc/self/fd/${this.handle.fd}` : this.path;
  }

  /** `name` in this folder, for messages. */
  shown(name: string): string {
    return path.join(this.path, name);
  }

  /** fsync the folder, so a rename in it survives a power loss; best effort (not all platforms allow it). */
  async sync(): Promise<void> {
    await this.handle?.sync().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
  }
}

/** Runs `fn` with `dir` opened as a PrivateDir (see PrivateDir.open; undefined when missing and not created), closing it after. */
export async function withPrivateDir<T>(
  fs: StoreFs,
  dir: string,
  options: { uid?: number | undefined; create?: boolean; tighten?: boolean },
  fn: (dir: PrivateDir | undefined) => Promise<T>,
): Promise<T> {
  const opened = await PrivateDir.open(fs, dir, options);
  try {
    return await fn(opened);
  } finally {
    await opened?.close();
  }
}

/** Group/other write bits: whoever has them could have replaced what mcpo reads. */
const WRITABLE_BY_OTHERS = 0o022;

/**
 * Refuses (UntrustedTokenStoreError) a folder or file mcpo did not make for itself: not owned by `uid` (the
 * effective user), writable by group or others, or a symbolic link (`st` must come from lstat or fstat).
 * Being only readable by others is not refused: mcpo tightens that itself.
 */
export function assertOwnedPrivately(st: Stats, target: string, uid: number | undefined): void {
  if (st.isSymbolicLink()) throw new UntrustedTokenStoreError(target, 'is a symbolic link');
  if (uid !== undefined && st.uid !== uid) throw new UntrustedTokenStoreError(target, `is owned by uid ${st.uid}, not by this user (uid ${uid})`);
  if ((st.mode & WRITABLE_BY_OTHERS) !== 0) {
    throw new UntrustedTokenStoreError(target, `is writable by ${st.mode & 0o002 ? 'others' : 'its group'} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`);
  }
}

/** The effective uid, undefined where there is none (Windows: ownership is not checked there). */
export function effectiveUid(): number | undefined {
  return process.geteuid?.();
}

/**
 * Reads `file` without following a symbolic link (O_NOFOLLOW) and checks the opened file itself (fstat, so it
 * cannot be swapped between the check and the read); `tightenTo` brings a file readable by group or others to
 * that mode on the same descriptor (fchmod). `shown` names it in errors (default `file`). Rejects with ENOENT
 * when it does not exist, ELOOP for a link.
 */
export async function readOwnedFile(
  fs: StoreFs,
  file: string,
  uid: number | undefined,
  options: { shown?: string; tightenTo?: number } = {},
): Promise<{ text: string; stats: Stats; tightened: boolean }> {
  const shown = options.shown ?? file;
  const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  try {
    const stats = await handle.stat();
    // Something else where the file should be (a folder, a FIFO): unreadable, like any read error.
    if (!stats.isFile()) throw Object.assign(new Error(`${shown} is not a regular file`), { code: stats.isDirectory() ? 'EISDIR' : 'EINVAL' });
    assertOwnedPrivately(stats, shown, uid);
    const text = await handle.readFile('utf8');
    let tightened = false;
    if (options.tightenTo !== undefined && (stats.mode & 0o077) !== 0) {
      await handle.chmod(options.tightenTo);
      tightened = true;
    }
    return { text, stats, tightened };
  } finally {
    await handle.close();
  }
}

/** Creates `file` with mode 0600 only if it does not exist (O_EXCL), writes `data` and fsyncs it. */
export async function writeNewPrivateFile(fs: StoreFs, file: string, data: string): Promise<void> {
  const handle = await fs.open(file, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
