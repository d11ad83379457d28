/**
 * The processes a stdio child started itself: a server run through a wrapper (`sh -c`, a start script, npx, uvx,
 * docker's CLI) is a grandchild of mcpo, and signalling the direct child alone leaves it running, reparented to
 * init, when it ignores the end of its stdin. The SDK spawns children in mcpo's process group, so the tree is
 * read from /proc (Linux) rather than signalled as a group; elsewhere it is empty and only the child is signalled.
 *
 * A process is identified by its pid and its start time: a pid seen earlier may belong to another process by the
 * time it is signalled, and that one is left alone.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessId {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  start: string;
}

/** pid, parent pid and start time of a /proc/PID/stat line; undefined when it cannot be read. */
function stat(pid: number): { ppid: number; start: string } | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
    const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), start: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** Every descendant of `pid` (children, their children…), as they are now; [] where /proc cannot be read. */
export function descendants(pid: number): ProcessId[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, ProcessId[]>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = stat(Number(entry));
    if (!info) continue;
    const siblings = children.get(info.ppid) ?? [];
    siblings.push({ pid: Number(entry), start: info.start });
    children.set(info.ppid, siblings);
  }
  const found: ProcessId[] = [];
  const queue = [pid];
  // Bounded by the processes that exist; a pid cannot be its own ancestor, but a stale map could say so.
  const seen = new Set<number>(queue);
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** Sends `signal` to each process still running as the one that was seen (same start time). Never throws. */
export function signalProcesses(processes: readonly ProcessId[], signal: NodeJS.Signals): void {
  for (const { pid, start } of processes) {
    if (stat(pid)?.start !== start) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // Exited in between.
    }
  }
}

/** The union of two snapshots of a tree, by pid and start time. */
export function union(a: readonly ProcessId[], b: readonly ProcessId[]): ProcessId[] {
  const keys = new Set(a.map((p) => `${p.pid}:${p.start}`));
  return [...a, ...b.filter((p) => !keys.has(`${p.pid}:${p.start}`))];
}
