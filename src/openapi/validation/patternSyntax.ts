/**
 * The structure of an ECMAScript regular expression, as far as its backtracking cost depends on it: what consumes
 * one character, what is zero-width, groups and alternatives, repetitions with their bounds, backreferences.
 * The source is one V8 already compiled (with the `u` flag or without), so the syntax is valid; what is read here
 * only has to be a faithful outline. Anything unexpected makes the parse fail, and the caller then assumes the
 * worst cost.
 */

export type PatternNode =
  /** Consumes one character: a literal, an escape (`\d`, `\p{L}`, `\u0041`), a class (`[^a-z]`) or `.`. */
  | { readonly kind: 'char'; readonly src: string }
  /** Zero-width: `^`, `$`, `\b`, `\B`. */
  | { readonly kind: 'assert'; readonly src: string }
  | { readonly kind: 'backref' }
  /** A group (capturing or not, or a lookaround) or the whole pattern: a choice between sequences. */
  | { readonly kind: 'group'; readonly alternatives: readonly PatternNode[][]; readonly look?: 'ahead' | 'behind'; readonly capturing?: boolean }
  | { readonly kind: 'repeat'; readonly node: PatternNode; readonly min: number; readonly max: number };

/** Longest source outlined; the cost of longer ones is not estimated (their analysis would cost too much). */
export const MAX_OUTLINED_PATTERN = 4096;
/** Deepest nesting of groups outlined (the cost model recurses over it). */
export const MAX_PATTERN_NESTING = 64;

interface OpenGroup {
  alternatives: PatternNode[][];
  look?: 'ahead' | 'behind';
  capturing?: boolean;
}

/** The outline of `source` read with (`unicode`) or without the `u` flag; undefined when it cannot be outlined. */
export function parsePattern(source: string, unicode: boolean): PatternNode | undefined {
  if (source.length > MAX_OUTLINED_PATTERN) return undefined;
  const stack: OpenGroup[] = [{ alternatives: [[]] }];
  const sequence = () => {
    const alternatives = stack[stack.length - 1]!.alternatives;
    return alternatives[alternatives.length - 1]!;
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      const [node, end] = readEscape(source, i, unicode);
      sequence().push(node);
      i = end;
    } else if (c === '[') {
      const end = classEnd(source, i);
      if (end < 0) return undefined;
      sequence().push({ kind: 'char', src: source.slice(i, end) });
      i = end;
    } else if (c === '(') {
      if (stack.length > MAX_PATTERN_NESTING) return undefined;
      const [look, end] = readGroupOpening(source, i);
      const capturing = source[i + 1] !== '?' || (source[i + 2] === '<' && !look);
      stack.push({ alternatives: [[]], ...(look ? { look } : {}), ...(capturing ? { capturing } : {}) });
      i = end;
    } else if (c === ')') {
      if (stack.length === 1) return undefined;
      const group = stack.pop()!;
      sequence().push({ kind: 'group', ...group });
      i += 1;
    } else if (c === '|') {
      stack[stack.length - 1]!.alternatives.push([]);
      i += 1;
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && readBraces(source, i))) {
      const quantifier = c === '{' ? readBraces(source, i)! : { min: c === '+' ? 1 : 0, max: c === '?' ? 1 : Infinity, end: i + 1 };
      const items = sequence();
      const target = items.pop();
      if (!target || target.kind === 'repeat') return undefined;
      // A repeated assertion is still one zero-width test (Annex B allows `(?=a)*`).
      items.push(target.kind === 'assert' ? target : { kind: 'repeat', node: target, min: quantifier.min, max: quantifier.max });
      i = quantifier.end + (source[quantifier.end] === '?' ? 1 : 0);
    } else if (c === '^' || c === '$') {
      sequence().push({ kind: 'assert', src: c });
      i += 1;
    } else {
      const width = unicode ? String.fromCodePoint(source.codePointAt(i)!).length : 1;
      sequence().push({ kind: 'char', src: source.slice(i, i + width) });
      i += width;
    }
  }
  if (stack.length !== 1) return undefined;
  return { kind: 'group', alternatives: stack[0]!.alternatives };
}

function readEscape(source: string, at: number, unicode: boolean): [PatternNode, number] {
  const next = source[at + 1] ?? '';
  const char = (end: number): [PatternNode, number] => [{ kind: 'char', src: source.slice(at, end) }, end];
  if (next === 'b' || next === 'B') return [{ kind: 'assert', src: `\\${next}` }, at + 2];
  if (/[1-9]/.test(next)) {
    let end = at + 2;
    while (/[0-9]/.test(source[end] ?? '')) end += 1;
    // Without `u` a number past the group count is an octal escape; reading it as a backreference only overestimates.
    return [{ kind: 'backref' }, end];
  }
  if (next === 'k' && source[at + 2] === '<') {
    const close = source.indexOf('>', at + 3);
    if (close > 0) return [{ kind: 'backref' }, close + 1];
  }
  if ((next === 'p' || next === 'P') && unicode && source[at + 2] === '{') return char(braceEnd(source, at + 2));
  if (next === 'u') {
    if (unicode && source[at + 2] === '{') return char(braceEnd(source, at + 2));
    if (/^[0-9a-fA-F]{4}$/.test(source.slice(at + 2, at + 6))) {
      const unit = parseInt(source.slice(at + 2, at + 6), 16);
      // With `u`, an escaped surrogate pair is one character.
      const pair = unicode && unit >= 0xd800 && unit <= 0xdbff && /^\\u[dD][c-fC-F][0-9a-fA-F]{2}$/.test(source.slice(at + 6, at + 12));
      return char(at + (pair ? 12 : 6));
    }
  }
  if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(at + 2, at + 4))) return char(at + 4);
  if (next === 'c' && /[A-Za-z]/.test(source[at + 2] ?? '')) return char(at + 3);
  if (next === '0' && !unicode) {
    let end = at + 2;
    while (end < at + 4 && /[0-7]/.test(source[end] ?? '')) end += 1;
    return char(end);
  }
  const width = unicode && next ? String.fromCodePoint(source.codePointAt(at + 1)!).length : 1;
  return char(at + 1 + width);
}

function readGroupOpening(source: string, at: number): ['ahead' | 'behind' | undefined, number] {
  if (source[at + 1] !== '?') return [undefined, at + 1];
  const kind = source[at + 2];
  if (kind === '=' || kind === '!') return ['ahead', at + 3];
  if (kind === '<' && (source[at + 3] === '=' || source[at + 3] === '!')) return ['behind', at + 4];
  if (kind === '<') {
    const close = source.indexOf('>', at + 3);
    return [undefined, close < 0 ? source.length : close + 1];
  }
  return [undefined, at + 3]; // (?:
}

/** `{n}`, `{n,}`, `{n,m}` at `at`, or undefined (then, without `u`, the brace is a literal). */
function readBraces(source: string, at: number): { min: number; max: number; end: number } | undefined {
  const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at, at + 40));
  if (!match) return undefined;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : match[3] ? Number(match[3]) : Infinity;
  return { min, max, end: at + match[0].length };
}

function braceEnd(source: string, at: number): number {
  const close = source.indexOf('}', at);
  return close < 0 ? source.length : close + 1;
}

/** The index after the `]` closing the class opened at `at` (JavaScript: `[]` is empty, `[^]` is any), or -1. */
function classEnd(source: string, at: number): number {
  let i = at + 1;
  if (source[i] === '^') i += 1;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i < source.length ? i + 1 : -1;
}
