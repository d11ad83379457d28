/**
 * Problems found in a config, and the one error that reports all of them. Zod issues are translated
 * here, in one place, into plain words with the JSON path of the offending value.
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatJsonPath, type JsonPath } from './jsonPath.js';
import type { SourceLocation } from './jsonScan.js';

export interface ConfigProblem {
  path: JsonPath;
  message: string;
  /** Where in the file, when the source is a file we scanned. */
  location?: SourceLocation;
}

/** Text after a problem saying where it is in the file. */
export function formatLocation(location: SourceLocation | undefined): string {
  return location ? ` (line ${location.line}, column ${location.column})` : '';
}

function describeProblem(problem: ConfigProblem): string {
  const path = formatJsonPath(problem.path);
  return `${path ? `${path}: ` : ''}${problem.message}${formatLocation(problem.location)}`;
}

/**
 * An invalid config: CONFIG_INVALID with every problem, one per line, each naming its JSON path.
 * One problem:  `config.json: mcpServers.github.url: must be an absolute http:// or https:// URL (line 4, column 7)`
 * Several:      `config.json: 2 problems:` followed by one indented line per problem.
 */
export class InvalidConfigError extends ConfigError {
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const [only] = problems;
    if (problems.length === 1 && only) {
      super(`${only.message}${formatLocation(only.location)}`, { file, path: formatJsonPath(only.path) });
    } else {
      super(`${problems.length} problems:\n${problems.map((p) => `  ${describeProblem(p)}`).join('\n')}`, { file });
    }
    this.problems = problems;
  }
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

/** What a value is, without echoing strings (they may hold secrets after expansion). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return String(value);
}

/** A zod issue in plain words. Expects issues parsed with `reportInput: true`. */
export function problemFromIssue(issue: z.core.$ZodIssue, basePath: JsonPath = []): ConfigProblem {
  const path = [...basePath, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
  if (issue.code === 'invalid_type') {
    const message =
      issue.input === undefined
        ? 'is required'
        : `must be ${EXPECTED[issue.expected] ?? issue.expected} (got ${describeValue(issue.input)})`;
    return { path, message };
  }
  return { path, message: issue.message };
}

/** True when `path` is `ancestor` or inside it. */
export function isWithin(path: JsonPath, ancestor: JsonPath): boolean {
  return ancestor.length <= path.length && ancestor.every((segment, index) => path[index] === segment);
}

/** In file order (problems without a location keep their relative order, at the end). */
export function sortByLocation(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const rank = (p: ConfigProblem): number => (p.location ? p.location.line * 1e6 + p.location.column : Number.MAX_SAFE_INTEGER);
  return [...problems].sort((a, b) => rank(a) - rank(b));
}
