/**
 * Applies a new list of servers to a running Manager, by server name: added servers start, removed ones
 * stop (their process ends, their routes disappear), changed ones restart, and unchanged ones are not
 * touched at all, so their sessions and calls in flight carry on.
 */
import type { ServerEntry } from '../config/types.js';
import type { Manager } from './manager.js';

export interface ReconcileResult {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

export async function reconcile(manager: Manager, current: readonly ServerEntry[], next: readonly ServerEntry[]): Promise<ReconcileResult> {
  const before = new Map(current.map((entry) => [entry.name, entry]));
  const after = new Map(next.map((entry) => [entry.name, entry]));
  const result: ReconcileResult = { added: [], removed: [], changed: [], unchanged: [] };
  for (const name of before.keys()) if (!after.has(name)) result.removed.push(name);
  for (const [name, entry] of after) {
    const old = before.get(name);
    if (!old) result.added.push(name);
    else if (canonical(old) !== canonical(entry)) result.changed.push(name);
    else result.unchanged.push(name);
  }
  await Promise.all([...result.removed, ...result.changed].map((name) => manager.remove(name)));
  manager.start([...result.changed, ...result.added].map((name) => after.get(name)!));
  return result;
}

/** JSON with sorted keys, so key order in the file does not count as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
