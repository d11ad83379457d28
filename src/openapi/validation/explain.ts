/**
 * Turns ajv's error list into problems, collapsing the noise anyOf/oneOf produce. With allErrors, ajv
 * reports every error of every failed alternative followed by "must match a schema in anyOf"; a person
 * needs the errors of the alternative they were aiming for. So for each failed union we validate the
 * value against each alternative separately (validators compiled up front, see unions.ts) and report:
 * - when no alternative even has the right type/const/enum: one problem, "Must be object or null";
 * - when every alternative that has the right type rejects the same property's value (a discriminator,
 *   such as `kind`, matching none of the variants): one problem there naming every variant's value,
 *   `Must be one of "circle", "rectangle"`, rather than the first variant's complaints;
 * - else the alternative with the fewest problems, preferring those whose discriminator-like
 *   const/enum properties match (a discriminated union's variant);
 * - on a tie: one problem at the union summarising each tied alternative.
 * ajv pushes a failed union's alternative errors immediately before the union's own error, and they
 * are exactly the errors the separate validations return, which is how they are removed from the list.
 */
import type { ErrorObject } from 'ajv';
import type { ValidationProblem } from '../../errors.js';
import { unescapePointerToken } from '../schema/pointer.js';
import { describeValue, listValues, problemFromError, type DetailedProblem } from './messages.js';
import type { BranchValidator, UnionBranches } from './unions.js';

const MISMATCH = new Set(['type', 'const', 'enum']);

/**
 * Problems for a failed validation, deduplicated, in the order ajv found them. Total: should explaining throw on
 * errors nobody foresaw, ajv's own words are the problems, so the caller still gets its 422 and never a 500.
 */
export function explainErrors(errors: readonly ErrorObject[], unions: UnionBranches): ValidationProblem[] {
  let detailed: readonly ValidationProblem[];
  try {
    detailed = explainDetailed(errors, unions);
  } catch {
    detailed = errors.map((error) => ({ path: error.instancePath, message: error.message ?? 'is invalid' }));
  }
  const seen = new Set<string>();
  const problems: ValidationProblem[] = [];
  for (const { path, message } of detailed) {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
  }
  return problems;
}

function explainDetailed(errors: readonly ErrorObject[], unions: UnionBranches): DetailedProblem[] {
  const groups: DetailedProblem[][] = [];
  for (let k = errors.length - 1; k >= 0; ) {
    const error = errors[k] as ErrorObject;
    const union = error.keyword === 'anyOf' || error.keyword === 'oneOf' ? explainUnion(error, unions) : undefined;
    const start = union === undefined ? k : k - union.consumed;
    if (union !== undefined && start >= 0 && errors.slice(start, k).every((e) => isAt(e.instancePath, error.instancePath))) {
      groups.push(union.problems);
      k = start - 1;
      continue;
    }
    const problem = problemFromError(error);
    if (problem) groups.push([problem]);
    k -= 1;
  }
  return groups.reverse().flat();
}

function isAt(path: string, base: string): boolean {
  return path === base || path.startsWith(base + '/');
}

interface Branch {
  index: number;
  problems: DetailedProblem[];
}

function explainUnion(error: ErrorObject, unions: UnionBranches): { consumed: number; problems: DetailedProblem[] } | undefined {
  const validators = unions.get(error.schema);
  if (validators === undefined) return undefined;
  const base = error.instancePath;
  const results = validators.map((validate) => runBranch(validate, error.data, base));
  const consumed = results.reduce((n, r) => n + r.length, 0);
  const passing = error.params.passingSchemas as number[] | null | undefined;
  if (error.keyword === 'oneOf' && Array.isArray(passing)) {
    const which = passing.map((i) => `#${i + 1}`).join(' and ');
    return { consumed, problems: [problemAt(base, `Matches more than one alternative (${which}); it must match exactly one (oneOf).`, 'oneOf')] };
  }
  // Every alternative must have failed; anything else means our view differs from ajv's, so don't guess.
  if (results.some((r) => r.length === 0)) return undefined;
  const branches = results.map((r, index) => ({ index, problems: explainDetailed(r, unions) }));
  return { consumed, problems: chooseBranch(branches, base, error.keyword, error.data) };
}

function runBranch(validate: BranchValidator, data: unknown, base: string): ErrorObject[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => ({ ...e, instancePath: base + e.instancePath }));
}

function chooseBranch(branches: Branch[], base: string, keyword: string, data: unknown): DetailedProblem[] {
  const candidates = branches.filter((b) => !b.problems.some((p) => p.path === base && MISMATCH.has(p.keyword)));
  if (candidates.length === 0) {
    const expected = [...new Set(branches.flatMap((b) => b.problems.filter((p) => p.expected).map((p) => p.expected)))];
    const words = expected.length > 0 ? expected.join(' or ') : 'one of the allowed alternatives';
    return [{ ...problemAt(base, `Must be ${words}, but got ${describeValue(data)}.`, 'type'), expected: words }];
  }
  const matching = candidates.filter((b) => !b.problems.some((p) => isDirectChild(p.path, base) && MISMATCH.has(p.keyword)));
  if (matching.length === 0 && candidates.length > 1) {
    const discriminators = explainDiscriminators(candidates, base, keyword, data);
    if (discriminators.length > 0) return discriminators;
  }
  const pool = matching.length > 0 ? matching : candidates;
  const fewest = Math.min(...pool.map((b) => b.problems.length));
  const tied = pool.filter((b) => b.problems.length === fewest);
  if (tied.length === 1) return (tied[0] as Branch).problems;
  const summary = tied
    .map((b) => `#${b.index + 1}: ${b.problems.map((p) => sentencePart(p, base)).join(', ')}`)
    .join('; ');
  return [problemAt(base, `Does not match any of the allowed alternatives (${keyword}). Closest: ${summary}.`, keyword)];
}

/**
 * For properties whose value every alternative in `branches` rejects by type, const or enum: one problem each,
 * naming what the alternatives accept there together. No alternative can be meant, so the complaints of any
 * one of them (its other required properties) would only mislead.
 */
function explainDiscriminators(branches: Branch[], base: string, keyword: string, data: unknown): DetailedProblem[] {
  const mismatchesAt = (branch: Branch, path: string) => branch.problems.filter((p) => p.path === path && MISMATCH.has(p.keyword));
  const paths = [...new Set(branches[0]!.problems.filter((p) => isDirectChild(p.path, base) && MISMATCH.has(p.keyword)).map((p) => p.path))];
  return paths
    .filter((path) => branches.every((branch) => mismatchesAt(branch, path).length > 0))
    .map((path) => {
      const mismatches = branches.flatMap((branch) => mismatchesAt(branch, path));
      const values = mismatches.every((p) => p.allowed !== undefined) ? uniqueValues(mismatches.flatMap((p) => p.allowed!)) : undefined;
      const words = values
        ? values.length === 1
          ? JSON.stringify(values[0])
          : `one of ${listValues(values)}`
        : [...new Set(mismatches.map((p) => p.expected ?? 'another value'))].join(' or ');
      const name = path.slice(base.length + 1);
      const value = ownValue(data, unescapePointerToken(name));
      const message = `Must be ${words} (what the alternatives of the ${keyword} accept here), but got ${describeValue(value)}.`;
      return { ...problemAt(path, message, keyword), expected: words };
    });
}

/** `data[name]` when `data` is an object holding `name` itself (never what Object.prototype has under that name). */
function ownValue(data: unknown, name: string): unknown {
  return data !== null && typeof data === 'object' && Object.hasOwn(data, name) ? (data as Record<string, unknown>)[name] : undefined;
}

/** Values in order of first appearance, compared as JSON. */
function uniqueValues(values: readonly unknown[]): unknown[] {
  const seen = new Map<string, unknown>();
  for (const value of values) if (!seen.has(JSON.stringify(value))) seen.set(JSON.stringify(value), value);
  return [...seen.values()];
}

function isDirectChild(path: string, base: string): boolean {
  return path.startsWith(base + '/') && !path.slice(base.length + 1).includes('/');
}

function problemAt(path: string, message: string, keyword: string): DetailedProblem {
  return { path, message, keyword };
}

/** "Required property "r" is missing." at /shape/r -> `required property "r" is missing (at /shape/r)`. */
function sentencePart(problem: DetailedProblem, base: string): string {
  const text = problem.message.charAt(0).toLowerCase() + problem.message.slice(1).replace(/\.$/, '');
  return problem.path === base ? text : `${text} (at ${problem.path})`;
}
