/**
 * Why a stdio server's process could not be started, in words a user can act on. Node says `spawn uvx ENOENT`
 * for a command missing from PATH, for a cwd that does not exist and for a script whose #! interpreter is
 * missing alike; the file system tells them apart, looked at as the child would have: its PATH, its cwd.
 * A process that started and exited before answering initialize is told apart from a connection lost later.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { McpoError } from '../errors.js';
import { redactText } from '../log/redactText.js';

/** What was started: the command, the cwd it was started in, and the PATH it was looked up on. */
export interface Launch {
  command: string;
  cwd?: string;
  /** The child's PATH (its own environment's, not mcpo's). */
  path?: string;
}

/** The file-system checks, injectable for tests. */
export interface FileChecks {
  /** 'file', 'directory', 'other', or undefined when nothing is there (or it cannot be looked at). */
  kind(path: string): Promise<'file' | 'directory' | 'other' | undefined>;
  executable(path: string): Promise<boolean>;
}

export const NODE_FILE_CHECKS: FileChecks = {
  kind: (path) =>
    stat(path).then(
      (found) => (found.isFile() ? 'file' : found.isDirectory() ? 'directory' : 'other'),
      () => undefined,
    ),
  executable: (path) => access(path, constants.X_OK).then(
    () => true,
    () => false,
  ),
};

/** What execvp searches when the child's environment has no PATH (glibc's default). */
const DEFAULT_PATH = '/bin:/usr/bin';
/** Longest PATH quoted in a message. */
const PATH_MAX_CHARS = 300;

/** The stdio server's process could not be started; the message says why (code is the errno: ENOENT, EACCES…). */
export class SpawnError extends McpoError {
  constructor(message: string, readonly errno: string, cause: unknown) {
    super('SERVER_UNAVAILABLE', redactText(message), { details: { errno }, cause });
  }
}

/** The process started but exited before it answered initialize; the session adds what it wrote to stderr. */
export class ExitedWhileStartingError extends McpoError {
  constructor(exit: ChildExit) {
    const how = exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`;
    super('SERVER_UNAVAILABLE', `the server process ${how} while starting`, { details: { ...exit } });
  }
}

/** How a child process ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** The errno of a failed spawn (the 'error' event of a child that never ran), else undefined. */
function spawnErrno(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && typeof syscall === 'string' && syscall.startsWith('spawn') ? code : undefined;
}

/** `error` as a SpawnError saying why `launch` could not start, or `error` itself when it is no spawn failure. */
export async function explainSpawnFailure(error: unknown, launch: Launch, checks: FileChecks = NODE_FILE_CHECKS): Promise<unknown> {
  const errno = spawnErrno(error);
  if (errno === undefined) return error;
  return new SpawnError(await diagnose(errno, launch, checks), errno, error);
}

async function diagnose(errno: string, launch: Launch, checks: FileChecks): Promise<string> {
  const { command, cwd } = launch;
  // The cwd first: with a missing cwd every command "does not exist".
  if (cwd !== undefined) {
    const kind = await checks.kind(cwd);
    if (kind === undefined) return `cwd ${cwd} does not exist (the directory \`${command}\` was to start in)`;
    if (kind !== 'directory') return `cwd ${cwd} is not a directory (the directory \`${command}\` was to start in)`;
  }
  // A command with a slash is taken as a path (relative to the cwd); without one it is looked up on PATH.
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd ?? '.', command)]
    : (launch.path ?? DEFAULT_PATH).split(delimiter).map((dir) => join(resolve(cwd ?? '.', dir || '.'), command));
  const found: Array<{ path: string; kind: 'file' | 'directory' | 'other' }> = [];
  for (const path of candidates) {
    const kind = await checks.kind(path);
    if (kind !== undefined) found.push({ path, kind });
  }
  const runnable: string[] = [];
  for (const { path, kind } of found) if (kind === 'file' && (await checks.executable(path))) runnable.push(path);

  if (!command.includes('/') && found.length === 0) return `command \`${command}\` not found on PATH (${quotePath(launch.path ?? DEFAULT_PATH)})`;
  if (found.length === 0) return `\`${candidates[0]}\` does not exist`;
  if (runnable.length === 0) {
    const first = found[0]!;
    return first.kind === 'directory'
      ? `\`${first.path}\` is a directory, not a program`
      : `\`${first.path}\` is not executable (chmod +x it, or start it through its interpreter)`;
  }
  // It is there and executable, yet the kernel said ENOENT: the interpreter its #! line names is missing.
  if (errno === 'ENOENT') return `\`${runnable[0]}\` exists, but the interpreter on its #! line was not found`;
  return `\`${runnable[0]}\` could not be started`;
}

function quotePath(path: string): string {
  return path.length > PATH_MAX_CHARS ? `PATH=${path.slice(0, PATH_MAX_CHARS - 1)}…` : `PATH=${path}`;
}
