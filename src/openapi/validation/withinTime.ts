/**
 * Running a function for at most a number of milliseconds. V8 cannot bound a regular-expression test or an ajv
 * validation by itself, but code run by `node:vm` with `timeout` is terminated by a watchdog thread, even inside
 * the regular-expression engine, and the process carries on. Each run starts that thread: about 0.1 ms, so this
 * is for work whose cost is not known to be small (patterns.ts, boundedValidator.ts), not for every call.
 * Runs may nest; the first deadline to pass ends them all.
 */
import vm from 'node:vm';

interface Slot {
  run: (() => unknown) | undefined;
}
let slot: Slot | undefined;
let script: vm.Script | undefined;

/** `fn()`, or undefined when it did not return within `ms` milliseconds (or overflowed V8's stack). */
export function runWithin<T>(fn: () => T, ms: number): T | undefined {
  const context = (slot ??= vm.createContext({ run: undefined }) as Slot);
  script ??= new vm.Script('run()');
  context.run = fn;
  try {
    return script.runInContext(context as vm.Context, { timeout: Math.max(1, Math.floor(ms)) }) as T;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' || isStackOverflow(error)) return undefined;
    throw error;
  } finally {
    context.run = undefined;
  }
}

/** V8's RangeError for a test whose backtracking outgrew its stack (`^(a)*$` on 10 million characters). */
export function isStackOverflow(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'RangeError';
}
