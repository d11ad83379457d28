/**
 * What one request's validation may spend on the checks whose cost the body or the schema can make large
 * (patterns: patterns.ts; formats: ajv.ts). A check that does not fit what is left is not made by mcpo: it counts as passed,
 * and the MCP server, which validates its own arguments, still judges the value. Outside a validation
 * (compiling schemas, checking them against their meta-schema) nothing is counted.
 */

/** Estimated regular-expression steps (patternCost.ts) run directly per request: 10-40 ms of V8 time at worst. */
export const VALIDATION_STEP_BUDGET = 1e7;
/** Milliseconds per request for checks run under a timeout (withinTime.ts) once their estimate does not fit. */
export const VALIDATION_TIME_BUDGET_MS = 40;

let active = false;
let steps = 0;
let milliseconds = 0;

/** Starts one request's validation with fresh budgets (cheap: a few assignments). */
export function startValidation(): void {
  active = true;
  steps = VALIDATION_STEP_BUDGET;
  milliseconds = VALIDATION_TIME_BUDGET_MS;
}

/** Ends it: until the next start, checks are not counted. */
export function endValidation(): void {
  active = false;
}

/** Takes `estimate` steps from the budget; false (nothing taken) when they do not fit. */
export function spendSteps(estimate: number): boolean {
  if (!active) return true;
  if (!(estimate <= steps)) return false;
  steps -= estimate;
  return true;
}

/** Milliseconds left for timed checks (Infinity outside a validation). */
export function timeLeft(): number {
  return active ? milliseconds : Infinity;
}

export function spendTime(ms: number): void {
  if (active) milliseconds -= ms;
}
