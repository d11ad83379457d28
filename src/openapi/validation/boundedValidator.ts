/**
 * One request's validation, bounded in time and memory whatever the body:
 * - every body is first judged by a validator that stops at the first error (same work as one that lists every
 *   error when the body is valid, but a body of five million wrong values makes one error, not five million:
 *   listing them all ran a 10 MiB body out of memory);
 * - a body weighing more than LARGE_BODY_WEIGHT (bodyWeight.ts: ~100,000 values, or ~800 KB of strings) is judged
 *   under a LARGE_BODY_MS timeout: ajv's work is linear in the body but per value can cost microseconds (unions,
 *   uniqueItems), so a 10 MiB body took 0.5-2 s; past the timeout it is not judged by mcpo (the MCP server is);
 * - an invalid body weighing at most FULL_LIST_WEIGHT gets every problem, listed by the validator that reports all
 *   errors (compiled on the first invalid body), itself under a timeout; a heavier one gets its first problem.
 * Within each, patterns and formats spend the request's budgets (budget.ts).
 */
import type { ErrorObject } from 'ajv';
import type { ValidationProblem } from '../../errors.js';
import { endValidation, startValidation } from './budget.js';
import { bodyWeight } from './bodyWeight.js';
import { explainErrors } from './explain.js';
import type { UnionBranches } from './unions.js';
import { runWithin } from './withinTime.js';

/** Above this weight (bodyWeight.ts) a body is judged under a timeout. */
export const LARGE_BODY_WEIGHT = 100_000;
/** The timeout of a large body's validation, and of listing every problem of an invalid one. */
export const LARGE_BODY_MS = 100;
/** Up to this weight an invalid body gets every problem listed, above it its first. */
export const FULL_LIST_WEIGHT = 2_000;

/** An ajv validation function: true when valid, else its errors in `errors`. */
export interface AjvCheck {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export interface ValidatorParts {
  /** Stops at the first error. */
  firstError: AjvCheck;
  /** Reports every error, with the union branches that explain them; compiled when first needed. */
  allErrors: () => { check: AjvCheck; unions: UnionBranches };
}

const NO_UNIONS: UnionBranches = new Map();

/** The problems of `args`, [] when valid or when mcpo could not judge it within the bounds. */
export function boundedValidator(parts: ValidatorParts): (args: unknown) => ValidationProblem[] {
  const { firstError } = parts;
  return (args) => {
    const weight = bodyWeight(args, LARGE_BODY_WEIGHT);
    startValidation();
    try {
      const valid = weight > LARGE_BODY_WEIGHT ? runWithin(() => firstError(args), LARGE_BODY_MS) : firstError(args);
      if (valid !== false) return [];
      const first = firstError.errors ?? [];
      if (weight > FULL_LIST_WEIGHT) return explainErrors(first, NO_UNIONS);
      // Compiled outside the timeout: a compilation cut short would leave ajv's caches half filled.
      let full: ReturnType<ValidatorParts['allErrors']>;
      try {
        full = parts.allErrors();
      } catch {
        return explainErrors(first, NO_UNIONS);
      }
      const { check, unions } = full;
      const all = runWithin(() => (check(args) ? [] : explainErrors(check.errors ?? [], unions)), LARGE_BODY_MS);
      // Out of time, or the budgets ran out before the second pass found what the first did: the first problem.
      return all !== undefined && all.length > 0 ? all : explainErrors(first, NO_UNIONS);
    } finally {
      endValidation();
    }
  };
}
