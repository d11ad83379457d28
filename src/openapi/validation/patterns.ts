/**
 * The `pattern` (and `patternProperties`) engine ajv uses, bounded in cost. V8's regular expressions backtrack:
 * `^(a+)+$` against 30 `a`s and a `b` runs for minutes, `[a-z]+@` against 200,000 letters for 49 s, and the
 * schema comes from the MCP server while the string comes from the REST client, so either could freeze every
 * route. Node 20's linear engine takes neither the `u` flag JSON Schema asks for nor lookarounds (and ran zod's
 * email pattern over 1 MB for 17 s), and re2 is a native dependency, so each test is bounded instead:
 *
 * - each pattern gets, when compiled, an upper bound on the steps a test can take on a string of n characters
 *   (patternCost.ts); a test whose bound fits in what is left of the request's VALIDATION_STEP_BUDGET runs directly;
 * - one that does not fit runs under a timeout (withinTime.ts) taken from the request's VALIDATION_TIME_BUDGET_MS:
 *   most such tests, on real strings, finish in microseconds and are enforced;
 * - a test that times out, or finds no budget left, is not made by mcpo: the value counts as matching, and the MCP
 *   server, which validates its own arguments, still judges it (budget.ts).
 */
import { spendSteps, spendTime, timeLeft } from './budget.js';
import { patternCost } from './patternCost.js';
import { isStackOverflow, runWithin } from './withinTime.js';

/** A compiled pattern as ajv uses it: `test`, and `toString` as the key ajv shares it under. */
export interface PatternTester {
  test(text: string): boolean;
  toString(): string;
}

/** `compile(pattern, flags)` wrapped so that running the result is bounded (see the file comment). */
export function boundedPattern(compile: (pattern: string, flags: string) => RegExp, pattern: string, flags: string): PatternTester {
  const regExp = compile(pattern, flags);
  const cost = patternCost(pattern, regExp.unicode);
  return {
    test: (text: string) => (spendSteps(cost.steps(text.length)) ? testDirectly(regExp, text) : testTimed(regExp, text)),
    // ajv keeps one compiled pattern per `toString()`: without this, every pattern of a schema was its first one.
    toString: () => regExp.toString(),
  };
}

function testDirectly(regExp: RegExp, text: string): boolean {
  try {
    return regExp.test(text);
  } catch (error) {
    // Backtracking that outgrew V8's stack (`^(?:ab)*$` on 10 million characters): not judged here.
    if (isStackOverflow(error)) return true;
    throw error;
  }
}

function testTimed(regExp: RegExp, text: string): boolean {
  const left = timeLeft();
  if (left < 1) return true;
  const started = performance.now();
  const matched = runWithin(() => regExp.test(text), left);
  spendTime(performance.now() - started);
  return matched ?? true;
}
