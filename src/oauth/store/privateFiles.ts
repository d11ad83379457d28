/**
 * Owner-only files and folders: folders 0700, files 0600, created with O_EXCL. (Atomic replacement of a
 * token file, and the cleanup of its temp files, is atomicWrite.ts.)
 * The file system is injected so tests can make a step fail.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
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

/**
 * Creates `dir` (and missing parents) with mode 0700; if it already exists readable by group/other,
 * tightens it to 0700. One owned by another user, writable by others or a symbolic link is refused
 * (`uid` given): tightening it would adopt whatever was planted in it. Parents that already exist are left
 * alone (see FileTokenStore for why).
 */
export async function ensurePrivateDir(fs: StoreFs, dir: string, uid?: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (uid !== undefined) assertOwnedPrivately(await fs.lstat(dir), dir, uid);
  await tightenMode(fs, dir, PRIVATE_DIR_MODE);
}

/** chmod `target` to `mode` when it currently grants group or other any access. */
export async function tightenMode(fs: StoreFs, target: string, mode: number): Promise<boolean> {
  const st = await fs.stat(target);
  if ((st.mode & 0o077) === 0) return false;
  await fs.chmod(target, mode);
  return true;
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
 * cannot be swapped between the check and the read). Rejects with ENOENT when it does not exist, ELOOP for a link.
 */
export async function readOwnedFile(fs: StoreFs, file: string, uid: number | undefined): Promise<{ text: string; stats: Stats }> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  try {
    const stats = await handle.stat();
    // Something else where the file should be (a folder, a FIFO): unreadable, like any read error.
    if (!stats.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: stats.isDirectory() ? 'EISDIR' : 'EINVAL' });
    assertOwnedPrivately(stats, file, uid);
    return { text: await handle.readFile('utf8'), stats };
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
