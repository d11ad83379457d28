/**
 * Child processes of the benchmark: spawning (TypeScript entries through tsx), waiting for a JSON
 * "ready" line, memory from /proc (Linux), and stopping them. Every child is tracked so a failed or
 * interrupted run leaves none behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** How long a child may take to print its ready line. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything the child wrote to stderr so far (last 64 KB), to explain a failure. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();

/** Stops every child still running (on exit paths of the orchestrator). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop(1000)));
}

/** The node arguments that run a TypeScript file through tsx. */
export function tsNode(file: string, ...args: string[]): string[] {
  return ['--import', 'tsx', file, ...args];
}

export function spawnChild(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  if (proc.pid === undefined) throw new Error(`could not start ${command}`);
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-64 * 1024);
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const child: Child = {
    process: proc,
    pid: proc.pid,
    stderr: () => stderr,
    stop: async (graceMs = 5000) => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
    },
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** Resolves with the first stdout line of `child` parsed as JSON; rejects if it exits or times out first. */
export function firstJsonLine<T>(child: Child, timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const lines = createInterface({ input: child.process.stdout! });
    const fail = (why: string) => {
      clearTimeout(timer);
      child.process.off('exit', onExit);
      lines.close();
      reject(new Error(`${why} (pid ${child.pid}); stderr:\n${child.stderr().slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null) => fail(`child exited with ${code} before it was ready`);
    child.process.once('exit', onExit);
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.process.off('exit', onExit);
      lines.close();
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`child printed a line that is not JSON: ${line.slice(0, 200)}`));
      }
    });
  });
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size over the process's life (VmHWM), bytes. */
  peakRss: number;
}

/** Memory of a live process from /proc/<pid>/status; undefined where /proc is not available. */
export function memoryOf(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux everywhere that matters). */
const USER_HZ = 100;

/**
 * CPU time (user + system) a live process has used so far, ms, from /proc/<pid>/stat; undefined where
 * /proc is not available. CPU time per request holds up on a busy machine far better than throughput.
 */
export function cpuTimeMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name (which may contain spaces): utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** A port free on 127.0.0.1 right now (for a child that cannot report the port it bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
