/**
 * The `pattern` (and `patternProperties`) engine ajv uses, bounded in cost. V8's regular expressions
 * backtrack: `^(a+)+$` against 30 `a`s and a `b` runs for seconds, and the schema comes from the MCP server
 * while the string comes from the REST client, so either side could freeze every route. Node 20's linear
 * engine does not take the `u` flag JSON Schema asks for, and re2 is a native dependency, so instead:
 *
 * - a pattern that can backtrack exponentially (a repeated group that itself repeats or alternates, as in
 *   `(a+)+`, `(\w+\s?)*`, `(a|ab)*`; or a backreference) is refused: the tool's schema does not compile, it
 *   is served unvalidated with a warning naming the pattern, and the MCP server validates;
 * - a pattern with k ≥ 2 unbounded repetitions in a row (`\d+\d+x`, `^\d*\d*\d*x$`; a literal the repeated part
 *   before it cannot match ends a row, as `@` does in `[a-z]+[a-z0-9]*@[a-z]+`) can take n^(k+1) steps on a string of
 *   n characters (`\d+\d+\d+x` on 256 digits: 2 s). Such patterns share a budget of PATTERN_STEP_BUDGET estimated
 *   steps per validation (startValidation); a string that would overdraw it is not checked by mcpo (the MCP
 *   server still is), so one request costs at most some tens of milliseconds of pattern matching;
 * - any other pattern (one unbounded repetition at most) costs linear time and is always enforced.
 */

/** Estimated backtracking steps (n^(k+1)) all polynomial patterns of one validation may take; ~10-40 ms of V8 time. */
export const PATTERN_STEP_BUDGET = 2e7;

let budget = PATTERN_STEP_BUDGET;
let validation = 0;
let budgetOf = 0;

/** Marks the start of one request's validation: polynomial patterns get a fresh PATTERN_STEP_BUDGET (cheap: a counter). */
export function startValidation(): void {
  validation++;
}

/** Takes `steps` from this validation's budget; false (nothing taken) when they would overdraw it. */
function spend(steps: number): boolean {
  if (budgetOf !== validation) {
    budgetOf = validation;
    budget = PATTERN_STEP_BUDGET;
  }
  if (steps > budget) return false;
  budget -= steps;
  return true;
}

/** Raised (at compile time) for a pattern that can backtrack exponentially. */
export class UnsafePatternError extends Error {}

export interface PatternCost {
  /** A repeated group that repeats or alternates inside, or a backreference: exponential backtracking. */
  exponential: boolean;
  /** The longest row of repetitions without a small upper bound (`*`, `+`, `{n,}`, `{n,m}` with m > 32) that no literal separates. */
  unbounded: number;
}

interface Frame {
  repeats: boolean;
  alternates: boolean;
  /** The group's own sequence (not inside nested groups). */
  atoms: Atom[];
  /** Every atom inside, nested ones too. */
  all: string[];
  /** Atoms under a quantifier that repeats (max > 1), nested ones too. */
  repeated: string[];
}
interface Atom {
  src: string;
  group?: Frame;
  quantified: boolean;
}

const newFrame = (): Frame => ({ repeats: false, alternates: false, atoms: [], all: [], repeated: [] });

/** A conservative reading of `pattern`'s worst-case backtracking (syntax it does not know counts as literal). */
export function patternCost(pattern: string): PatternCost {
  const frames: Frame[] = [newFrame()];
  let unbounded = 0;
  let exponential = false;
  let i = 0;
  const top = () => frames[frames.length - 1]!;
  // The current row of unbounded repetitions, and what the last one repeats.
  let row = 0;
  let rowEnd: readonly string[] = [];
  const atom = (src: string, group?: Frame) => {
    top().atoms.push({ src, quantified: false, ...(group ? { group } : {}) });
    if (group) return;
    top().all.push(src);
    const char = literalChar(src);
    if (row > 0 && char !== undefined && !rowEnd.some((part) => mayMatch(part, char))) row = 0;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<')) exponential = true;
      let end = i + 2;
      if ('upPxc'.includes(next) && pattern[end] === '{') end = closing(pattern, end, '}');
      atom(pattern.slice(i, end));
      i = end;
    } else if (c === '[') {
      const end = classEnd(pattern, i);
      atom(pattern.slice(i, end));
      i = end;
    } else if (c === '(') {
      frames.push(newFrame());
      i += 1;
      if (pattern[i] === '?') {
        const lookbehind = pattern[i + 1] === '<' && (pattern[i + 2] === '=' || pattern[i + 2] === '!');
        i = pattern[i + 1] === '<' && !lookbehind ? closing(pattern, i, '>') : i + (lookbehind ? 3 : 2);
      }
    } else if (c === ')') {
      i += 1;
      if (frames.length === 1) continue;
      const group = frames.pop()!;
      const parent = top();
      parent.all.push(...group.all);
      parent.repeated.push(...group.repeated);
      if (group.repeats) parent.repeats = true;
      atom('(…)', group);
    } else if (c === '|') {
      top().alternates = true;
      i += 1;
    } else if ('*+?{'.includes(c) && readQuantifier(pattern, i)) {
      const quantifier = readQuantifier(pattern, i)!;
      i = quantifier.end;
      if (pattern[i] === '?') i += 1;
      const frame = top();
      const target = frame.atoms[frame.atoms.length - 1];
      if (!target) continue;
      target.quantified = true;
      if (quantifier.max > 32) {
        row += 1;
        rowEnd = target.group ? target.group.all : [target.src];
        unbounded = Math.max(unbounded, row);
      }
      if (quantifier.max <= 1) continue;
      frame.repeats = true;
      const group = target.group;
      if (!group) {
        frame.repeated.push(target.src);
        continue;
      }
      frame.repeated.push(...group.all);
      // Repeating an alternation of fixed strings a few times ((25[0-5]|…)\.){3}) costs a constant factor.
      const fewFixed = !group.repeats && quantifier.max <= 10;
      if ((group.repeats || group.alternates) && !fewFixed && !separated(group)) exponential = true;
    } else {
      atom(c);
      i += 1;
    }
  }
  return { exponential, unbounded };
}

/**
 * Whether each repetition of `group` is marked by a character none of its repeated parts can match
 * (`([a-z]+\.)*`: the dot), which leaves one way to split the input, so no exponential backtracking.
 */
function separated(group: Frame): boolean {
  if (group.alternates) return false;
  const ends = [group.atoms[0], group.atoms[group.atoms.length - 1]];
  return ends.some((end) => {
    const char = end && !end.quantified ? literalChar(end.src) : undefined;
    return char !== undefined && !group.repeated.some((src) => mayMatch(src, char));
  });
}

function literalChar(src: string): string | undefined {
  if (src.length === 1 && !'.^$'.includes(src)) return src;
  if (src.length === 2 && src[0] === '\\' && /[^A-Za-z0-9]/.test(src[1]!)) return src[1];
  return undefined;
}

/** Whether the atom `src` may match `char` (true when unsure). */
function mayMatch(src: string, char: string): boolean {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(`^(?:${src})$`, flags).test(char);
    } catch {
      // next flags
    }
  }
  return true;
}

function readQuantifier(pattern: string, at: number): { max: number; end: number } | undefined {
  const c = pattern[at];
  if (c === '*' || c === '+') return { max: Infinity, end: at + 1 };
  if (c === '?') return { max: 1, end: at + 1 };
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at, at + 24));
  if (!match) return undefined;
  const max = match[2] === undefined ? Number(match[1]) : match[3] ? Number(match[3]) : Infinity;
  return { max, end: at + match[0].length };
}

function classEnd(pattern: string, at: number): number {
  let i = at + 1;
  if (pattern[i] === ']') i += 1; // "[]" is empty in JavaScript, but "[]a]" in other dialects: either way one atom
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i + 1;
}

function closing(pattern: string, at: number, char: string): number {
  const end = pattern.indexOf(char, at);
  return end < 0 ? pattern.length : end + 1;
}

/** A compiled pattern as ajv uses it: only `test` is called. */
export interface PatternTester {
  test(text: string): boolean;
}

/**
 * `compile(pattern, flags)` wrapped so that running the result is bounded (see the file comment). Throws
 * UnsafePatternError for a pattern that can backtrack exponentially.
 */
export function boundedPattern(compile: (pattern: string, flags: string) => RegExp, pattern: string, flags: string): PatternTester {
  const cost = patternCost(pattern);
  if (cost.exponential) {
    throw new UnsafePatternError(
      `pattern ${JSON.stringify(pattern)} can backtrack exponentially (a repeated group that repeats or alternates inside, or a backreference); mcpo does not run it`,
    );
  }
  const regExp = compile(pattern, flags);
  if (cost.unbounded < 2) return regExp;
  const power = cost.unbounded + 1;
  return {
    test: (text: string) => {
      return spend(text.length ** power) ? regExp.test(text) : true;
    },
  };
}
