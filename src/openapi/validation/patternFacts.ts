/**
 * What each part of a pattern is, whatever the string and whatever follows it: widths, whether it can match empty,
 * which characters it can start with, consume and end with, how it fails (patternCost.ts builds on these).
 */
import { EMPTY_SET, union, type CharSet } from './patternChars.js';
import type { PatternNode } from './patternSyntax.js';

/** What a part of the pattern is, whatever the string and whatever follows it. */
export interface Facts {
  /** A single character, a repetition of one, or anything else. */
  kind: 'single' | 'repeated' | 'other';
  /** At most one way to match from a position. */
  oneWay: boolean;
  /** Can succeed without consuming a character or testing a position (`^`, `$` test one). */
  nullable: boolean;
  minWidth: number;
  maxWidth: number;
  /** Characters it can consume first (with `^`/`$` for a position it requires), at all, and last. */
  first: CharSet;
  consumes: CharSet;
  last: CharSet;
  /** Steps to fail when the next character is not in `first` (Infinity: unknown). */
  failFirst: number;
}

const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : a * b);

const unionAll = (sets: readonly CharSet[]): CharSet => sets.reduce((set, next) => union(set, next), EMPTY_SET);

/** The facts of a pattern's parts, each read once. */
export class PatternFacts {
  private readonly known = new WeakMap<object, Facts>();

  of(node: PatternNode): Facts {
    let facts = this.known.get(node);
    if (!facts) {
      facts = this.readFacts(node);
      this.known.set(node, facts);
    }
    return facts;
  }

  private readFacts(node: PatternNode): Facts {
    switch (node.kind) {
      case 'char':
        return { kind: 'single', oneWay: true, nullable: false, minWidth: 1, maxWidth: 1, first: [node.src], consumes: [node.src], last: [node.src], failFirst: 1 };
      case 'assert': {
        const position = node.src === '^' || node.src === '$' ? [node.src] : EMPTY_SET;
        return { kind: 'other', oneWay: true, nullable: position.length === 0, minWidth: 0, maxWidth: 0, first: position, consumes: EMPTY_SET, last: EMPTY_SET, failFirst: 1 };
      }
      case 'backref':
        return { kind: 'other', oneWay: true, nullable: true, minWidth: 0, maxWidth: Infinity, first: 'any', consumes: 'any', last: 'any', failFirst: Infinity };
      case 'group': {
        if (node.look) return { kind: 'other', oneWay: true, nullable: true, minWidth: 0, maxWidth: 0, first: EMPTY_SET, consumes: EMPTY_SET, last: EMPTY_SET, failFirst: Infinity };
        const alternatives = node.alternatives.map((sequence) => this.ofSequence(sequence));
        // V8 repeats a single character fast, unless a capture must be saved at each repetition (`(a)*`).
        if (alternatives.length === 1) return node.capturing && alternatives[0]!.kind === 'single' ? { ...alternatives[0]!, kind: 'other' } : alternatives[0]!;
        return {
          kind: 'other',
          oneWay: false,
          nullable: alternatives.some((a) => a.nullable),
          minWidth: Math.min(...alternatives.map((a) => a.minWidth)),
          maxWidth: Math.max(...alternatives.map((a) => a.maxWidth)),
          first: unionAll(alternatives.map((a) => a.first)),
          consumes: unionAll(alternatives.map((a) => a.consumes)),
          last: unionAll(alternatives.map((a) => a.last)),
          failFirst: alternatives.every((a) => !a.nullable) ? alternatives.reduce((sum, a) => sum + a.failFirst, 0) : Infinity,
        };
      }
      case 'repeat': {
        const inner = this.of(node.node);
        const { min, max } = node;
        return {
          kind: inner.kind === 'single' ? 'repeated' : 'other',
          oneWay: inner.oneWay && min === max,
          nullable: min === 0 || inner.nullable,
          minWidth: mul(min, inner.minWidth),
          maxWidth: max === 0 ? 0 : mul(max, inner.maxWidth),
          first: inner.first,
          consumes: inner.consumes,
          last: inner.last,
          // Skipped (min 0), it fails at a wrong character only after what follows does: the sequence adds that.
          failFirst: inner.failFirst,
        };
      }
    }
  }

  ofSequence(nodes: readonly PatternNode[]): Facts {
    let facts = this.known.get(nodes);
    if (!facts) {
      facts = this.readSequenceFacts(nodes);
      this.known.set(nodes, facts);
    }
    return facts;
  }

  private readSequenceFacts(nodes: readonly PatternNode[]): Facts {
    const parts = nodes.map((node) => this.of(node));
    const lead = parts.findIndex((p) => !p.nullable);
    const leading = lead < 0 ? parts : parts.slice(0, lead + 1);
    let last: CharSet = EMPTY_SET;
    for (const p of parts) last = p.minWidth === 0 ? union(last, p.last) : p.last;
    return {
      kind: parts.length === 1 ? parts[0]!.kind : 'other',
      oneWay: parts.every((p) => p.oneWay),
      nullable: lead < 0,
      minWidth: parts.reduce((sum, p) => sum + p.minWidth, 0),
      maxWidth: parts.reduce((sum, p) => sum + p.maxWidth, 0),
      first: unionAll(leading.map((p) => p.first)),
      consumes: unionAll(parts.map((p) => p.consumes)),
      last,
      failFirst: lead < 0 ? Infinity : leading.reduce((sum, p) => sum + p.failFirst, 0),
    };
  }
}
