/**
 * Owner-only files and folders: folders 0700, files 0600, created with O_EXCL. (Atomic replacement of a
 * token file, and the cleanup of its temp files, is atomicWrite.ts.)
 * The file system is injected so tests can make a step fail.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';

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
 * Creates `dir` (and missing parents) with mode 0700; if it already exists with group/other bits,
 * tightens it to 0700. Parents that already exist are left alone (see FileTokenStore for why).
 */
export async function ensurePrivateDir(fs: StoreFs, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await tightenMode(fs, dir, PRIVATE_DIR_MODE);
}

/** chmod `target` to `mode` when it currently grants group or other any access. */
export async function tightenMode(fs: StoreFs, target: string, mode: number): Promise<boolean> {
  const st = await fs.stat(target);
  if ((st.mode & 0o077) === 0) return false;
  await fs.chmod(target, mode);
  return true;
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
