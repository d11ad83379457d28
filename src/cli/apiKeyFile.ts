/**
 * --api-key-file: the API key read from a file that nobody but this user (or root) could have written.
 * Whoever can change the key file, or swap it through a folder they may write, chooses mcpo's key and so
 * can call every tool; such a file is refused with the fix in the message.
 *
 * Decisions:
 * - The rule is the token files' (owned by the effective user or root, not writable by group or others),
 *   checked on the open descriptor the key is read from. Being readable by others only warns: container
 *   secrets are mounted 0444 (Docker) or 0644 (Kubernetes) by default.
 * - Every folder the path passes through (symbolic links followed, as Kubernetes mounts secrets through
 *   `..data` links) must be owned by this user or root and not writable by group or others, unless sticky
 *   (/tmp: others may add entries there but not move ours), and every symbolic link followed must be owned
 *   by this user or root (one planted in a sticky folder would choose the file). This is OpenSSH's rule for
 *   authorized_keys. The walk ends at the file that was opened (same device and inode), so a swap between
 *   the check and the read cannot go unnoticed.
 * - Only a regular file is read. The file is opened with O_NONBLOCK and its descriptor fstat'ed before any
 *   read: a FIFO would block the open until someone writes to it (mcpo hung at start-up on one planted in a
 *   sticky folder such as /tmp), and a device such as /dev/zero would never end. So a pipe
 *   (`--api-key-file <(pass show mcpo)`) is refused too; MCPO_API_KEY keeps a key from a command off argv.
 * - No checks where there are no uids (Windows).
 */
import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** Symbolic links followed at most (Linux's own limit, ELOOP). */
const MAX_LINKS = 40;
const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

export interface ApiKeyFileOptions {
  /** The user the file must belong to (or root). Default the effective uid; none on Windows (not checked). */
  uid?: number;
}

/**
 * The API key in `file`: its contents less one trailing newline (what `echo key > file` adds). Throws
 * ConfigError naming `flag` and the file (or folder, or link) another user could have changed.
 */
export async function readApiKeyFile(file: string, flag: string, logger: Logger, options: ApiKeyFileOptions = {}): Promise<string> {
  const uid = 'uid' in options ? options.uid : process.geteuid?.();
  const { text, stats } = await readTrustedSecretFile(file, flag, { uid });
  const key = text.replace(/\r?\n$/, '');
  if (!key) throw new ConfigError(`${flag}: ${file} is empty`);
  if (/[\r\n]/.test(key)) throw new ConfigError(`${flag}: ${file} holds more than one line; the key must be its only line`);
  if (uid !== undefined && stats.isFile() && (stats.mode & 0o077) !== 0) {
    logger.warn(`${flag}: ${file} can be read by other users (mode ${modeText(stats)}); chmod 600 it unless it is a mounted secret only this container sees`);
  }
  return key;
}

/**
 * The text of a secret `file` (an API key, token keys) and the stats of what was read, after the checks above
 * (owner, writers, every folder and link on the way, made on the descriptor read from). Throws ConfigError naming
 * `flag`. Whether others may read it is the caller's rule.
 */
export async function readTrustedSecretFile(
  file: string,
  flag: string,
  options: ApiKeyFileOptions = {},
): Promise<{ text: string; stats: Stats }> {
  const uid = 'uid' in options ? options.uid : process.geteuid?.();
  const refuse = (message: string): never => {
    throw new ConfigError(`${flag}: ${message}`);
  };
  try {
    const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) refuse(`${file} is ${kindOf(stats)}, not a regular file; put the secret in a file (or in its MCPO_ variable)`);
      if (uid !== undefined) {
        assertTrusted(stats, `${file}`, uid, refuse, `chmod go-w ${file}`);
        await assertFoldersTrusted(file, stats, uid, refuse);
      }
      return { text: await handle.readFile('utf8'), stats };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(`${flag}: cannot read ${file}: ${reason}`);
  }
}

/** `mode` as four octal digits (0600). */
export function modeText(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(4, '0');
}

type Refuse = (message: string) => never;

/** Owned by `uid` or root, and not writable by group or others. */
function assertTrusted(st: Stats, what: string, uid: number, refuse: Refuse, fix: string): void {
  if (st.uid !== uid && st.uid !== 0) refuse(`${what} is owned by uid ${st.uid}, not by this user (uid ${uid}) or root; another user could change the key`);
  if ((st.mode & WRITABLE_BY_OTHERS) !== 0) refuse(`${what} is writable by ${writers(st)} (mode ${modeText(st)}); another user could change the key: ${fix}`);
}

/**
 * Walks `file`'s path from the root as the kernel resolves it, checking each folder a name is looked up in
 * and each symbolic link followed; the walk must end at the file already opened (`opened`).
 */
async function assertFoldersTrusted(file: string, opened: Stats, uid: number, refuse: Refuse): Promise<void> {
  const pending = components(path.resolve(file));
  let dir = '/';
  assertFolder(await lstat(dir), dir, file, uid, refuse);
  let links = 0;
  let current = dir;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      dir = path.dirname(dir); // `dir` holds no link (each was resolved), so `..` is its parent
      current = dir;
      continue;
    }
    const next = path.join(dir, name);
    const st = await lstat(next);
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) refuse(`${file}: too many symbolic links`);
      if (st.uid !== uid && st.uid !== 0) refuse(`${file}: the symbolic link ${next} is owned by uid ${st.uid}, not by this user (uid ${uid}) or root; another user could have chosen where it leads`);
      const target = await readlink(next);
      pending.unshift(...components(target));
      if (path.isAbsolute(target)) dir = '/';
      continue;
    }
    current = next;
    if (pending.length === 0) break;
    if (!st.isDirectory()) refuse(`${file}: ${next} is not a folder`);
    assertFolder(st, next, file, uid, refuse);
    dir = next;
  }
  const reached = await lstat(current);
  if (reached.dev !== opened.dev || reached.ino !== opened.ino) refuse(`${file} changed while it was being read; another user may be swapping it`);
}

/** A folder holding a name on the way: nobody else may rename or replace entries in it. */
function assertFolder(st: Stats, dir: string, file: string, uid: number, refuse: Refuse): void {
  if (st.uid !== uid && st.uid !== 0) refuse(`${file}: the folder ${dir} is owned by uid ${st.uid}, not by this user (uid ${uid}) or root; its owner could replace the key file`);
  if ((st.mode & WRITABLE_BY_OTHERS) !== 0 && (st.mode & STICKY) === 0) {
    refuse(`${file}: the folder ${dir} is writable by ${writers(st)} (mode ${modeText(st)}) and not sticky; another user could replace the key file: chmod go-w ${dir}, or keep the file elsewhere`);
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'of another kind';
}

function components(p: string): string[] {
  return p.split('/').filter((part) => part !== '');
}

function writers(st: Stats): string {
  return st.mode & 0o002 ? 'others' : 'its group';
}
