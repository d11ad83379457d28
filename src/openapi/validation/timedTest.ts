/**
 * A regular-expression test that gives up after a number of milliseconds. V8 cannot bound a test by itself, but a
 * script run by `node:vm` with `timeout` is terminated by a watchdog thread, even inside the regular expression
 * engine, and the process carries on. Each run starts that thread: about 0.1 ms, so this is for the tests whose
 * estimated cost is too high to run directly (patterns.ts), not for every test.
 */
import vm from 'node:vm';

interface Inputs {
  regExp: RegExp | undefined;
  text: string;
}
let context: Inputs | undefined;
let script: vm.Script | undefined;

/** `regExp.test(text)`, or undefined when it did not finish within `ms` milliseconds (or overflowed V8's stack). */
export function testWithin(regExp: RegExp, text: string, ms: number): boolean | undefined {
  const inputs = (context ??= vm.createContext({ regExp: undefined, text: '' }) as Inputs);
  script ??= new vm.Script('regExp.test(text)');
  inputs.regExp = regExp;
  inputs.text = text;
  try {
    return script.runInContext(inputs as vm.Context, { timeout: Math.max(1, Math.floor(ms)) }) as boolean;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' || isStackOverflow(error)) return undefined;
    throw error;
  } finally {
    inputs.regExp = undefined;
    inputs.text = '';
  }
}

/** V8's RangeError for a test whose backtracking outgrew its stack (`^(?:a|b)*$` on 10 million characters). */
export function isStackOverflow(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'RangeError';
}
