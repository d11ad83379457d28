/**
 * Every stdio child mcpo has started and that has not exited yet, process-wide, so the CLI can end them
 * synchronously on its way out (a second signal, an uncaught exception, the shutdown deadline): the sessions'
 * own closing is asynchronous, and `process.exit` does not wait for it. A child left running would keep its
 * own children, ports and locks long after mcpo is gone.
 */
import type { ChildProcess } from 'node:child_process';
import { descendants, signalProcesses } from './processTree.js';

export class LiveChildren {
  private readonly children = new Set<ChildProcess>();

  /** Tracks `child` until it exits. */
  add(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** Process ids of the children still running. */
  pids(): number[] {
    return [...this.children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  /**
   * Sends `signal` to every child still running, synchronously; returns how many were signalled. Through the
   * ChildProcess, not by pid: once a child has been reaped its pid may belong to another process, and
   * ChildProcess.kill knows it has been.
   */
  killAll(signal: NodeJS.Signals = 'SIGKILL'): number {
    let signalled = 0;
    for (const child of this.children) {
      // First what the child started (a server behind a wrapper), while it is still the child's.
      if (child.pid !== undefined) signalProcesses(descendants(child.pid), signal);
      try {
        if (child.kill(signal)) signalled++;
      } catch {
        // Already gone (ESRCH): nothing to end.
      }
    }
    return signalled;
  }
}

/** The stdio children of this process (every BatchingStdioTransport registers its child here). */
export const liveChildren = new LiveChildren();
