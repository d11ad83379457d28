/**
 * A cross-process lock on one token file, so two mcpo processes sharing the tokens folder never
 * refresh the same token twice (with rotating refresh tokens, the loser would be logged out).
 *
 * The lock is a file `<hash>.lock` holding `{ pid, hostname, acquiredAt, token }`, created atomically with
 * its contents (written to a temp file, then hard-linked into place, which fails if the lock exists).
 * A held lock may be broken when it is stale:
 * - its holder ran on this host and its pid is dead (`process.kill(pid, 0)`), or is our own pid
 *   without being one of our live locks (a restarted container reusing pid 1); or
 * - it is older than the lease (DEFAULT_LOCK_LEASE_MS): the bound on how long a holder may keep it.
 * Waiters retry with exponential backoff until DEFAULT_LOCK_TIMEOUT_MS, then throw LockTimeoutError.
 */
import { hostname as osHostname } from 'node:os';
import * as z from 'zod';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { LockTimeoutError } from '../errors.js';
import { KeyedMutex } from './mutex.js';
import { errnoCode, nodeStoreFs, randomSuffix, writeNewPrivateFile, type StoreFs } from './privateFiles.js';

/** A holder keeping the lock longer than this loses it to the next waiter. */
export const DEFAULT_LOCK_LEASE_MS = 30_000;
/** Waiting longer than this for the lock throws LockTimeoutError (a bit over one lease). */
export const DEFAULT_LOCK_TIMEOUT_MS = 45_000;
/** First and largest pause between attempts to take a busy lock. */
export const LOCK_RETRY_MIN_MS = 20;
export const LOCK_RETRY_MAX_MS = 250;

const LockInfoSchema = z.object({
  pid: z.number().int(),
  hostname: z.string(),
  acquiredAt: z.number(),
  token: z.string(),
});
type LockInfo = z.infer<typeof LockInfoSchema>;

export interface FileLockOptions {
  fs?: StoreFs;
  /**
   * The path the lock file is reached by, when not `lockPath` itself (which still keys the lock and names it in
   * messages): the token store reaches it through the descriptor of the folder it checked (PrivateDir.entry).
   */
  at?: string;
  /** Default DEFAULT_LOCK_LEASE_MS. */
  leaseMs?: number;
  /** Default DEFAULT_LOCK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
  /** Default: a setTimeout-based pause. */
  sleep?: (ms: number) => Promise<void>;
  /** Default process.pid. */
  pid?: number;
  /** Default os.hostname(). */
  hostname?: string;
  /** Default: signal 0 probe (ESRCH = dead, EPERM = alive but not ours). */
  isProcessAlive?: (pid: number) => boolean;
  logger?: Logger;
}

/** True when a process with this pid exists on this host. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Within one process, callers for the same lock file queue here first: the file lock only arbitrates between processes.
const inProcess = new KeyedMutex();
// Tokens of file locks this process holds right now: a lock file with our pid but another token is stale.
const heldTokens = new Set<string>();

/** Runs `fn` while holding the lock file `lockPath` (not reentrant). */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  return inProcess.run(lockPath, async () => {
    const lock = new LockAttempt(lockPath, options);
    const info = await lock.acquire();
    heldTokens.add(info.token);
    try {
      return await fn();
    } finally {
      heldTokens.delete(info.token);
      await lock.release(info);
    }
  });
}

class LockAttempt {
  private readonly fs: StoreFs;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pid: number;
  private readonly hostname: string;
  private readonly alive: (pid: number) => boolean;
  private readonly logger: Logger;
  /** Where the lock file is reached (see FileLockOptions.at). */
  private readonly at: string;

  constructor(
    private readonly lockPath: string,
    options: FileLockOptions,
  ) {
    this.at = options.at ?? lockPath;
    this.fs = options.fs ?? nodeStoreFs;
    this.leaseMs = options.leaseMs ?? DEFAULT_LOCK_LEASE_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.pid = options.pid ?? process.pid;
    this.hostname = options.hostname ?? osHostname();
    this.alive = options.isProcessAlive ?? isProcessAlive;
    this.logger = options.logger ?? silentLogger;
  }

  async acquire(): Promise<LockInfo> {
    const deadline = this.now() + this.timeoutMs;
    let delay = LOCK_RETRY_MIN_MS;
    for (;;) {
      const info: LockInfo = { pid: this.pid, hostname: this.hostname, acquiredAt: this.now(), token: randomSuffix() };
      if (await this.tryCreate(info)) return info;
      const raw = await this.readRaw(this.at);
      if (raw === undefined) continue; // released between our attempt and the read: try again at once
      if (await this.isStale(raw)) {
        await this.breakStale(raw);
        continue;
      }
      const remaining = deadline - this.now();
      if (remaining <= 0) throw new LockTimeoutError(this.lockPath, this.timeoutMs);
      await this.sleep(Math.min(delay, remaining));
      delay = Math.min(delay * 2, LOCK_RETRY_MAX_MS);
    }
  }

  /** Removes the lock file if it is still ours (it is not if a waiter broke it after our lease ran out). */
  async release(info: LockInfo): Promise<void> {
    const raw = await this.readRaw(this.at);
    if (raw !== undefined && parseLock(raw)?.token === info.token) {
      await this.fs.unlink(this.at).catch(() => undefined);
    } else {
      this.logger.warn('Token lock was broken by another process while held (lease exceeded)', { lock: this.lockPath });
    }
  }

  /** Creates the lock file with its contents in one step: write a temp file, then link() it into place (EEXIST if held). */
  private async tryCreate(info: LockInfo): Promise<boolean> {
    const temp = `${this.at}.${info.token}.tmp`;
    await writeNewPrivateFile(this.fs, temp, JSON.stringify(info));
    try {
      await this.fs.link(temp, this.at);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    } finally {
      await this.fs.unlink(temp).catch(() => undefined);
    }
  }

  private async isStale(raw: string): Promise<boolean> {
    const holder = parseLock(raw);
    if (!holder) {
      // Unreadable lock contents (not written by mcpo, or a disk error): judge by the file's age alone.
      const st = await this.fs.stat(this.at).catch(() => undefined);
      return st !== undefined && this.now() - st.mtimeMs > this.leaseMs;
    }
    if (this.now() - holder.acquiredAt > this.leaseMs) return true;
    if (holder.hostname !== this.hostname) return false; // pids of other hosts mean nothing here
    if (holder.pid === this.pid) return !heldTokens.has(holder.token);
    return !this.alive(holder.pid);
  }

  /**
   * Moves the stale lock aside and deletes it. If, between our read and the move, someone replaced it with
   * a fresh lock, we moved the wrong one: put it back (link() never overwrites) and let the loop retry.
   */
  private async breakStale(observed: string): Promise<void> {
    const aside = `${this.at}.stale-${randomSuffix()}`;
    try {
      await this.fs.rename(this.at, aside);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return; // someone else broke or released it
      throw err;
    }
    const moved = await this.readRaw(aside);
    if (moved !== observed) await this.fs.link(aside, this.at).catch(() => undefined);
    else this.logger.warn('Broke a stale token lock', { lock: this.lockPath, holderPid: parseLock(observed)?.pid });
    await this.fs.unlink(aside).catch(() => undefined);
  }

  private async readRaw(file: string): Promise<string | undefined> {
    try {
      return await this.fs.readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }
}

function parseLock(raw: string): LockInfo | undefined {
  try {
    const parsed = LockInfoSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
