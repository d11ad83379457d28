/**
 * An upper bound on the steps V8's backtracking engine may take to test a pattern against a string of n
 * characters, whatever the characters. The engine explores, for each start position, every way the pattern can
 * match a prefix of the rest; so each part of the pattern is described by, for a string of n characters:
 * - `m`: how many ways it can match from one position (each one re-runs everything after it),
 * - `w1`: how many of those can end at one same position,
 * - `c`: the steps spent exploring it all from one position (not counting what follows).
 * A sequence multiplies ways (`\d+\d+x`: n² splits), a repetition raises them to its count (`(a|aa){10}`: 2¹⁰),
 * an unbounded repetition of a part with two ways is exponential (`(a+)+`). Two facts keep common patterns cheap:
 * - a part that none of the parts since the previous such one can consume (the `@` after `[a-z.]+`, the `\.`
 *   after `[a-z]+`, a final `$`) can only start at one place, so of all the ways before it only those ending
 *   there (`w1`) continue;
 * - a repeated group that matches at most one way and scans only what it consumes (`(?:[a-z]+\.)*`) costs, over all
 *   its repetitions, a few steps per character instead of n per repetition.
 * The bound is loose (real strings rarely realise it), never knowingly low; unknown syntax costs Infinity.
 */
import { CharOracle, EMPTY_SET, union, type CharSet } from './patternChars.js';
import { PatternFacts, type Facts } from './patternFacts.js';
import { parsePattern, type PatternNode } from './patternSyntax.js';

interface Counts {
  m: number;
  w1: number;
  c: number;
}

/** The part's counts for a string of n characters, and its scan cost when it has one (see scanCost). */
interface Evaluator {
  at(n: number): Counts;
  scan?: { perChar: number; fixed: number };
}

/** What may come right after a part: its first characters and the steps it takes to fail on another one. */
interface Follow {
  first: CharSet;
  fail: number;
}
const OPEN: Follow = { first: 'any', fail: Infinity };

/**
 * Steps a repetition of a group costs besides its body: V8 saves its state and captures on the backtracking stack,
 * which on long strings costs up to ~110 ns a repetition (`^(a)*$`, `^(?:a|b)*$` on a million characters).
 */
const ITERATION = 128;

const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : a * b);

/** Σ m^i for i in [from, to]. */
function powerSum(m: number, from: number, to: number): number {
  if (to < from) return 0;
  if (m === 1) return to - from + 1;
  if (m === 0) return from === 0 ? 1 : 0;
  if (m === Infinity) return Infinity;
  return (m ** (to + 1) - m ** from) / (m - 1);
}

/** How many distinct lengths between `min` and `max` characters fit in n. */
function lengths(min: number, max: number, n: number): number {
  return Math.max(1, Math.min(max, n) - min + 1);
}


class Model {
  private readonly oracle: CharOracle;
  private readonly facts = new PatternFacts();

  constructor(unicode: boolean) {
    this.oracle = new CharOracle(unicode);
  }

  evaluator(node: PatternNode, plain: boolean, follow: Follow): Evaluator {
    switch (node.kind) {
      case 'char':
      case 'assert':
        return { at: () => ({ m: 1, w1: 1, c: 1 }), scan: { perChar: 0, fixed: 1 } };
      case 'backref':
        return { at: (n) => ({ m: 1, w1: 1, c: n + 1 }) };
      case 'group':
        if (node.look) {
          // Explored until its first match (JavaScript never backtracks into a lookaround). A lookbehind matches
          // right to left, where the left-to-right refinements do not hold: plain products there.
          const inner = this.choice(node.alternatives, plain || node.look === 'behind', OPEN);
          return {
            at: (n) => {
              const counts = inner.at(n);
              return { m: 1, w1: 1, c: counts.c + counts.m };
            },
          };
        }
        return this.choice(node.alternatives, plain, follow);
      case 'repeat':
        return this.repeat(node, plain, follow);
    }
  }

  choice(alternatives: readonly PatternNode[][], plain: boolean, follow: Follow): Evaluator {
    if (alternatives.length === 1) return this.sequence(alternatives[0]!, plain, follow);
    const parts = alternatives.map((sequence) => this.sequence(sequence, plain, follow));
    const facts = alternatives.map((sequence) => this.facts.ofSequence(sequence));
    // Alternatives that start with characters no other one can (`a|b`, `\.x|-y`): only one goes past its first.
    const exclusive = !plain && facts.every((f, i) => !f.nullable && facts.every((g, j) => j <= i || this.oracle.disjoint(f.first, g.first)));
    // Alternatives of disjoint lengths cannot both end at one position.
    const widths = [...facts].sort((a, b) => a.minWidth - b.minWidth);
    const disjointLengths = exclusive || widths.every((f, i) => i === 0 || widths[i - 1]!.maxWidth < f.minWidth);
    return {
      at: (n) => {
        let m = 0;
        let c = 0;
        let w1 = 0;
        for (const part of parts) {
          const counts = part.at(n);
          m = exclusive ? Math.max(m, counts.m) : m + counts.m;
          c += counts.c;
          w1 = disjointLengths ? Math.max(w1, counts.w1) : w1 + counts.w1;
        }
        return { m, w1: Math.min(w1, m), c };
      },
    };
  }

  private repeat(node: Extract<PatternNode, { kind: 'repeat' }>, plain: boolean, follow: Follow): Evaluator {
    const facts = this.facts.of(node.node);
    const { min, max } = node;
    // After one repetition comes another one or what follows the repetition.
    const inner = this.evaluator(node.node, plain, { first: union(facts.first, follow.first), fail: facts.failFirst + follow.fail });
    return {
      at: (n) => {
        // Past `min`, a repetition that matches the empty string fails (ECMAScript's empty check).
        const most = facts.minWidth >= 1 ? Math.min(max, Math.floor(n / facts.minWidth)) : Math.min(max, min + n);
        const tries = Math.min(max, most + 1);
        const counts = inner.at(n);
        const ways = powerSum(counts.m, min, most);
        const oneWay = counts.m <= 1;
        let w1 = ways;
        if (oneWay && facts.minWidth >= 1) w1 = Math.min(1, ways);
        // Optional (`?`): skipped, it ends where it starts, which a repetition that consumes cannot.
        else if (max === 1) w1 = min === 1 ? counts.w1 : facts.minWidth >= 1 ? Math.max(1, counts.w1) : 1 + counts.w1;
        if (facts.kind === 'single') return { m: ways, w1, c: tries + 1 };
        // One way through each repetition, each scanning what it consumes: together they scan the string about once.
        if (oneWay && inner.scan) return { m: ways, w1, c: (inner.scan.perChar + 1) * (n + tries) + tries * (inner.scan.fixed + ITERATION) + 1 };
        return { m: ways, w1, c: mul(powerSum(counts.m, 0, tries - 1), counts.c + ITERATION) + 1 };
      },
    };
  }

  sequence(nodes: readonly PatternNode[], plain: boolean, follow: Follow): Evaluator {
    const parts = nodes.map((node) => this.facts.of(node));
    const k = parts.length;
    // Right to left: what the rest of the sequence can consume first, and the steps to fail there.
    const firstOfRest: CharSet[] = new Array(k + 1);
    const failOfRest: number[] = new Array(k + 1);
    firstOfRest[k] = follow.first;
    failOfRest[k] = follow.fail;
    for (let j = k - 1; j >= 0; j--) {
      const p = parts[j]!;
      firstOfRest[j] = p.nullable ? union(p.first, firstOfRest[j + 1]!) : p.first;
      failOfRest[j] = p.nullable ? p.failFirst + failOfRest[j + 1]! : p.failFirst;
    }
    const evaluators = nodes.map((node, j) => this.evaluator(node, plain, { first: firstOfRest[j + 1]!, fail: failOfRest[j + 1]! }));
    // Left to right, n-independent: the runs of parts whose ways may end at several positions, each ended where
    // what comes next starts with a character none of them can consume (a barrier: see the file comment); and
    // whether the characters the parts before j can end with are ones part j cannot consume (then one split).
    const barrier: boolean[] = [];
    const inRun: boolean[] = [];
    const oneSplit: boolean[] = [];
    let runOpen = false;
    let run: CharSet = EMPTY_SET;
    let last: CharSet = EMPTY_SET;
    const ends = (at: number) => !plain && runOpen && Number.isFinite(failOfRest[at]!) && this.oracle.disjoint(run, firstOfRest[at]!);
    for (let j = 0; j < k; j++) {
      const p = parts[j]!;
      barrier.push(ends(j));
      if (barrier[j]) {
        runOpen = false;
        run = EMPTY_SET;
      }
      // A run starts at the first part that may end at several positions: until then the position is known.
      runOpen ||= !(p.oneWay && p.minWidth === p.maxWidth);
      inRun.push(runOpen);
      if (runOpen) run = union(run, p.consumes);
      oneSplit.push(!plain && j > 0 && this.oracle.disjoint(last, p.consumes));
      last = p.minWidth === 0 ? union(last, p.last) : p.last;
    }
    const endBarrier = ends(k);
    const scan = plain ? undefined : this.scanCost(parts, follow);
    return {
      ...(scan ? { scan } : {}),
      at: (n) => {
        let m = 1; // ways so far
        let c = 0;
        let w1 = 1; // ways so far that end at one position
        let runStart = 1; // ways before the current run
        let runM = 1; // ways of the current run
        let runW1 = 1; // ways of the current run that end at one position
        let min = 0;
        let max = 0;
        let runMin = 0;
        let runMax = 0;
        for (let j = 0; j < k; j++) {
          const p = parts[j]!;
          const counts = evaluators[j]!.at(n);
          // Ways ending at one position: (ways to a split) x (ways from it), over the split positions possible.
          const splits = (lo: number, hi: number) => (oneSplit[j] ? 1 : Math.min(lengths(lo, hi, n), lengths(p.minWidth, p.maxWidth, n)));
          const w1Before = w1;
          w1 = Math.min(mul(mul(w1, counts.w1), splits(min, max)), mul(m, counts.w1));
          if (!barrier[j] && oneSplit[j] && p.kind === 'repeated') {
            // A repetition of a character the parts before cannot end with, after ways ending at distinct places: from
            // each place it scans only up to the next one, so all of them together scan the string once per way ending
            // at one place (`(?:[a-z]+\.)*[a-z]+`: n, not n²).
            const places = Math.min(m, n + 1);
            c += Math.min(mul(m, counts.c), mul(w1Before, 2 * (n + places) + 2 * places));
            m = Math.min(mul(m, counts.m), mul(w1Before, n + places));
          } else if (barrier[j]) {
            // Every way so far tries the first character here; only those whose run ends at its one place go on.
            const going = Math.min(mul(runStart, runW1), m);
            c += mul(m, failOfRest[j]!) + mul(going, counts.c);
            m = mul(going, counts.m);
            runStart = going;
            runM = 1;
            runW1 = 1;
            runMin = 0;
            runMax = 0;
          } else {
            c += mul(m, counts.c);
            m = mul(m, counts.m);
          }
          if (inRun[j]) {
            runW1 = Math.min(mul(mul(runW1, counts.w1), splits(runMin, runMax)), mul(runM, counts.w1));
            runM = mul(runM, counts.m);
            runMin += p.minWidth;
            runMax += p.maxWidth;
          } else {
            runStart = m;
          }
          min += p.minWidth;
          max += p.maxWidth;
        }
        if (endBarrier) {
          // What follows tests its first character for every way; only those ending at its one place go on.
          c += mul(m, follow.fail);
          m = Math.min(mul(runStart, runW1), m);
        }
        return { m, w1: Math.min(w1, m), c };
      },
    };
  }

  /**
   * For a sequence of single characters, positions, and single-character repetitions each followed by a character
   * they cannot match (`[a-z]+\.`, or what follows the sequence): each character it examines is examined about
   * twice, and it examines what it consumes plus where it stops. Undefined for any other sequence.
   */
  private scanCost(parts: readonly Facts[], follow: Follow): { perChar: number; fixed: number } | undefined {
    for (let j = 0; j < parts.length; j++) {
      const p = parts[j]!;
      if (p.kind === 'single' || (p.maxWidth === 0 && p.oneWay && Number.isFinite(p.failFirst))) continue;
      const next = j + 1 < parts.length ? parts[j + 1]! : undefined;
      const stop = next ? (next.kind === 'single' ? next.first : 'any') : follow.first;
      if (p.kind === 'repeated' && this.oracle.disjoint(p.consumes, stop)) continue;
      return undefined;
    }
    return { perChar: 2, fixed: parts.length + 1 };
  }
}

/** Steps to test the whole pattern on a string of n characters: every start position unless anchored by `^`. */
export interface PatternCost {
  /** Upper bound on the steps of one test on a string of `n` characters (Infinity when unknown or huge). */
  steps(n: number): number;
}

const EXACT_UP_TO = 32;
const POINTS_PER_DOUBLING = 8;
const GRID: number[] = (() => {
  const grid: number[] = [];
  for (let n = 0; n <= EXACT_UP_TO; n++) grid.push(n);
  for (let i = 1; grid[grid.length - 1]! < 2 ** 30; i++) grid.push(Math.ceil(EXACT_UP_TO * 2 ** (i / POINTS_PER_DOUBLING)));
  return grid;
})();

/**
 * The cost of `source` (read with or without `u`). Each bound is computed at grid lengths (every length up to 32,
 * then 8 a doubling), each the first time a string needs it, and looked up at the next grid length up (the bound
 * grows with n).
 */
export function patternCost(source: string, unicode: boolean): PatternCost {
  const tree = parsePattern(source, unicode);
  if (!tree || tree.kind !== 'group') return { steps: () => Infinity };
  const top = new Model(unicode).choice(tree.alternatives, false, OPEN);
  const anchored = tree.alternatives.every((sequence) => sequence[0]?.kind === 'assert' && sequence[0].src === '^');
  const table = new Float64Array(GRID.length).fill(-1);
  const at = (i: number): number => {
    if (table[i]! < 0) {
      const n = GRID[i]!;
      const once = top.at(n).c + 1;
      const total = anchored ? once + n * tree.alternatives.length : mul(n + 1, once);
      table[i] = Number.isNaN(total) ? Infinity : total;
    }
    return table[i]!;
  };
  return {
    steps: (n) => {
      if (n <= EXACT_UP_TO) return at(n);
      let i = EXACT_UP_TO + Math.ceil(POINTS_PER_DOUBLING * Math.log2(n / EXACT_UP_TO));
      while (i < GRID.length && GRID[i]! < n) i++;
      return i < GRID.length ? at(i) : Infinity;
    },
  };
}
