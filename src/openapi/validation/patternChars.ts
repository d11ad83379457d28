/**
 * Which characters the one-character parts of a pattern (`a`, `\.`, `\d`, `[a-z0-9]`, `[^"]`, `.`) can match,
 * as far as the cost model needs it: whether two of them can match the same character. Answers err on "they
 * may": a wrong "they cannot" would make the model underestimate.
 */

/** The sources of one-character parts, or 'any' when unknown. `^` and `$` stand for the start and the end. */
export type CharSet = readonly string[] | 'any';

export const EMPTY_SET: CharSet = [];
const MAX_SET = 32;
const MAX_ENUMERATED = 1024;
/** Character tests, and pairs of parts compared, one pattern's analysis may run; past them, parts may overlap. */
const MAX_TESTS = 20_000;
const MAX_PAIRS = 400;

export function union(a: CharSet, b: CharSet): CharSet {
  if (a === 'any' || b === 'any') return 'any';
  const added = b.filter((src) => !a.includes(src));
  if (added.length === 0) return a;
  return a.length + added.length > MAX_SET ? 'any' : [...a, ...added];
}

/** Whether two one-character parts can never match the same character, per pattern (memoized, bounded work). */
export class CharOracle {
  private readonly known = new Map<string, boolean>();
  private tests = 0;
  private pairs = 0;

  constructor(private readonly unicode: boolean) {}

  /** True only when no character of `a` can be a character of `b` (positions `^`/`$` never are characters). */
  disjoint(a: CharSet, b: CharSet): boolean {
    if (a === 'any' || b === 'any') return false;
    for (const x of a) for (const y of b) if (!this.disjointParts(x, y)) return false;
    return true;
  }

  private disjointParts(a: string, b: string): boolean {
    if (a === '^' || a === '$' || b === '^' || b === '$') return true;
    if (a === b) return false;
    const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
    let answer = this.known.get(key);
    if (answer === undefined) {
      answer = this.compare(a, b);
      this.known.set(key, answer);
    }
    return answer;
  }

  private compare(a: string, b: string): boolean {
    if (++this.pairs > MAX_PAIRS) return false;
    const inB = enumerate(b, this.unicode);
    const inA = inB ? undefined : enumerate(a, this.unicode);
    const [chars, other] = inB ? [inB, a] : inA ? [inA, b] : [undefined, ''];
    if (!chars || this.tests + chars.length > MAX_TESTS) return false;
    this.tests += chars.length;
    let regExp: RegExp;
    try {
      regExp = new RegExp(`^(?:${other})$`, this.unicode ? 'u' : '');
    } catch {
      return false;
    }
    return !chars.some((code) => regExp.test(this.unicode ? String.fromCodePoint(code) : String.fromCharCode(code)));
  }
}

const DIGITS = range(0x30, 0x39);
const WORD = [...DIGITS, ...range(0x41, 0x5a), 0x5f, ...range(0x61, 0x7a)];
let spaces: number[] | undefined;
/** `\s`: ECMAScript's WhiteSpace and LineTerminator, all in the BMP. */
function whiteSpace(): number[] {
  spaces ??= range(0, 0xffff).filter((code) => /\s/.test(String.fromCharCode(code)));
  return spaces;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Every character `src` matches (code points with `u`, else code units), or undefined when many or unsure. */
export function enumerate(src: string, unicode: boolean): number[] | undefined {
  if (src === '.') return undefined;
  if (src.startsWith('[')) return enumerateClass(src, unicode);
  const single = readClassAtom(src, 0, unicode, false);
  return single && single.end === src.length ? single.chars : undefined;
}

function enumerateClass(src: string, unicode: boolean): number[] | undefined {
  if (src[1] === '^') return undefined;
  const chars: number[] = [];
  let i = 1;
  const end = src.length - 1;
  while (i < end) {
    const atom = readClassAtom(src, i, unicode, true);
    if (!atom) return undefined;
    if (src[atom.end] === '-' && atom.end + 1 < end && atom.chars.length === 1 && atom.single) {
      const to = readClassAtom(src, atom.end + 1, unicode, true);
      if (!to || to.chars.length !== 1 || !to.single) return undefined;
      if (to.chars[0]! - atom.chars[0]! > MAX_ENUMERATED) return undefined;
      chars.push(...range(atom.chars[0]!, to.chars[0]!));
      i = to.end;
    } else {
      chars.push(...atom.chars);
      i = atom.end;
    }
    if (chars.length > MAX_ENUMERATED) return undefined;
  }
  return chars;
}

const CONTROL: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12 };

/** One literal or escape at `at`: its characters; `single` when it is one character (so it may bound a range). */
function readClassAtom(src: string, at: number, unicode: boolean, inClass: boolean): { chars: number[]; end: number; single: boolean } | undefined {
  const c = src[at];
  if (c === undefined) return undefined;
  const one = (code: number, end: number) => ({ chars: [code], end, single: true });
  if (c !== '\\') {
    const code = unicode ? src.codePointAt(at)! : src.charCodeAt(at);
    if (!inClass && '^$.|?*+()[]{}'.includes(c)) return undefined;
    return one(code, at + (code > 0xffff ? 2 : 1));
  }
  const next = src[at + 1];
  if (next === undefined) return undefined;
  if (next === 'd') return { chars: DIGITS, end: at + 2, single: false };
  if (next === 'w') return { chars: WORD, end: at + 2, single: false };
  if (next === 's') return { chars: whiteSpace(), end: at + 2, single: false };
  if ('DWSpPk'.includes(next) || /[1-9]/.test(next)) return undefined;
  if (next === 'b') return inClass ? one(8, at + 2) : undefined;
  if (next in CONTROL) return one(CONTROL[next]!, at + 2);
  if (next === 'c') {
    const letter = src[at + 2];
    return letter && /[A-Za-z]/.test(letter) ? one(letter.charCodeAt(0) % 32, at + 3) : undefined;
  }
  if (next === 'x') {
    const hex = src.slice(at + 2, at + 4);
    return /^[0-9a-fA-F]{2}$/.test(hex) ? one(parseInt(hex, 16), at + 4) : undefined;
  }
  if (next === 'u') return readUnicodeEscape(src, at, unicode);
  if (next === '0') {
    if (unicode) return one(0, at + 2);
    const octal = /^[0-7]{1,3}/.exec(src.slice(at + 1, at + 4))![0];
    return one(parseInt(octal, 8), at + 1 + octal.length);
  }
  const code = unicode ? src.codePointAt(at + 1)! : src.charCodeAt(at + 1);
  return one(code, at + 1 + (code > 0xffff ? 2 : 1));
}

function readUnicodeEscape(src: string, at: number, unicode: boolean): { chars: number[]; end: number; single: boolean } | undefined {
  if (unicode && src[at + 2] === '{') {
    const close = src.indexOf('}', at);
    const code = parseInt(src.slice(at + 3, close), 16);
    return close > 0 && Number.isInteger(code) ? { chars: [code], end: close + 1, single: true } : undefined;
  }
  const hex = src.slice(at + 2, at + 6);
  if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
  const unit = parseInt(hex, 16);
  const trail = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})$/.exec(src.slice(at + 6, at + 12));
  if (unicode && unit >= 0xd800 && unit <= 0xdbff && trail) {
    const low = parseInt(trail[1]!, 16);
    return { chars: [(unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000], end: at + 12, single: true };
  }
  return { chars: [unit], end: at + 6, single: true };
}
