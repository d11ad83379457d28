/**
 * Validation must not hold the event loop: issue #14, item 6. A 470 KB body against `uniqueItems` on objects
 * took 35 s (ajv compares every pair), and a schema `pattern` that backtracks (`^(a+)+$`) froze the process
 * on a short string. Each attack below took seconds (or minutes) before; the bound in the tests is generous
 * for a loaded 2-core machine, the real figures are in the commit message.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/openapi/catalog.js';
import { compileValidator, SchemaCompileError } from '../../src/openapi/validate.js';
import { patternCost } from '../../src/openapi/validation/patternCost.js';
import { canonicalKey } from '../../src/openapi/validation/uniqueItems.js';
import { capturingLogger } from '../helpers/logs.js';

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

describe('uniqueItems', () => {
  const validate = compileValidator({
    type: 'object',
    properties: { items: { type: 'array', uniqueItems: true, items: { type: 'object' } }, any: { type: 'array', uniqueItems: true } },
  });

  it('checks a 470 KB array of distinct objects in well under a second (ajv took 35 s)', () => {
    const items = Array.from({ length: 12_000 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b'] }));
    expect(JSON.stringify({ items }).length).toBeGreaterThan(470_000);
    const { value, ms } = timed(() => validate({ items }));
    expect(value).toEqual([]);
    expect(ms).toBeLessThan(500);
  });

  it('still rejects duplicates, whatever the order of their keys, and names the two items', () => {
    const items = [{ a: 1, b: [1, { c: 2 }] }, { x: 1 }, { b: [1, { c: 2 }], a: 1 }];
    expect(validate({ items })).toEqual([{ path: '/items', message: 'Must not contain duplicates (items 0 and 2 are equal).' }]);
    const many = Array.from({ length: 12_000 }, (_, i) => ({ id: i }));
    many.push({ id: 5 });
    expect(timed(() => validate({ items: many })).ms).toBeLessThan(500);
    expect(validate({ items: many })).toEqual([{ path: '/items', message: 'Must not contain duplicates (items 5 and 12000 are equal).' }]);
  });

  it('compares items nested 200,000 levels deep without overflowing the stack (routes stop at 256 levels, this stays total)', () => {
    const nest = (depth: number, leaf: unknown) => {
      let value: unknown = leaf;
      for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { b: 0, a: value };
      return value;
    };
    expect(canonicalKey(nest(200_000, 1))).toBe(canonicalKey(nest(200_000, 1)));
    expect(canonicalKey(nest(200_000, 1))).not.toBe(canonicalKey(nest(200_000, 2)));
    expect(canonicalKey(nest(3, 'x'))).toBe('{"a":[{"a":"x","b":0}],"b":0}');
    // Through a validator (such a body weighs enough to be judged under a timeout): judged, or left to the server.
    const validate = compileValidator({ type: 'array', uniqueItems: true });
    expect([[], [{ path: '', message: 'Must not contain duplicates (items 0 and 1 are equal).' }]]).toContainEqual(validate([nest(200_000, 1), nest(200_000, 1)]));
    expect(compileValidator({ type: 'array', uniqueItems: true })([nest(500, 1), nest(500, 1)])).toHaveLength(1);
  });

  it('tells apart what JSON tells apart: 1 and "1", null and "null", [1,2] and [2,1], {} and []', () => {
    expect(validate({ any: [1, '1', null, 'null', [1, 2], [2, 1], {}, [], true, 'true'] })).toEqual([]);
    expect(validate({ any: [1, 1.0] })).toHaveLength(1);
    expect(validate({ any: ['a"b', 'a"b'] })).toHaveLength(1);
  });
});

describe('pattern', () => {
  /** A validator for one string property `s` with `pattern`, and the time one validation takes. */
  const against = (pattern: string) => {
    const validate = compileValidator({ type: 'object', properties: { s: { type: 'string', pattern } } });
    return (s: string) => timed(() => validate({ s }));
  };
  const refusal = (pattern: string) => [{ path: '/s', message: `Must match the pattern "${pattern}".` }];

  // Figures from the review, on the code before: each held the event loop for seconds to minutes. Now about 40-70 ms
  // each (the timed test gives up after the request's 40 ms), 1 s leaves room for a loaded machine.
  const attacks: Array<[string, string, string]> = [
    ['an unanchored repetition before a literal (48.7 s)', '[a-z]+@', 'a'.repeat(200_000)],
    ['the same with digits (35 s)', '\\d+x', '1'.repeat(200_000)],
    ['optional literals between repetitions (>100 s on 800 digits)', '\\d+a?\\d+a?\\d+x', '1'.repeat(800)],
    ['bounded repetitions in a row (4.8 s)', '\\d{0,32}\\d{0,32}\\d{0,32}\\d{0,32}x', '1'.repeat(200)],
    ['repeated alternatives of different lengths (12.4 s)', '^(?:a|aa){10}(?:a|aa){10}(?:a|aa){10}$', `${'a'.repeat(40)}b`],
    ['nested repetitions, exponential (minutes)', '^(a+)+$', `${'a'.repeat(40)}b`],
    ['several unbounded repetitions (2 s on 256 digits)', '\\d+\\d+\\d+x', '1'.repeat(65_536)],
  ];
  for (const [what, pattern, text] of attacks) {
    it(`bounds ${what}: ${pattern} on ${text.length} characters`, () => {
      const { value, ms } = against(pattern)(text);
      expect(ms).toBeLessThan(1_000);
      // None of these strings matches: refused, or (past the budget) left to the MCP server. Never a wrong refusal.
      expect([[], refusal(pattern)]).toContainEqual(value);
    });
  }

  it('shares one budget between all the strings of a request: 2,000 strings of 200 digits against \\d+\\d+x', () => {
    const validate = compileValidator({ type: 'array', items: { type: 'string', pattern: '\\d+\\d+x' } });
    expect(timed(() => validate(Array.from({ length: 2_000 }, () => '1'.repeat(200)))).ms).toBeLessThan(1_000);
    expect(validate(['123x', 'a12x'])).toEqual([]);
    expect(validate(['123y'])).toEqual([{ path: '/0', message: 'Must match the pattern "\\d+\\d+x".' }]);
  });

  it('enforces each pattern of a schema, not the first one for all', () => {
    // ajv shares compiled patterns by their toString(): the bounded ones all read "[object Object]".
    const validate = compileValidator({ type: 'object', properties: { a: { type: 'string', pattern: '\\d+\\d+x' }, b: { type: 'string', pattern: '[a-z]+[a-z]+y' } } });
    expect(validate({ a: '12x', b: 'aby' })).toEqual([]);
    expect(validate({ a: 'aby', b: '12x' })).toEqual([
      { path: '/a', message: 'Must match the pattern "\\d+\\d+x".' },
      { path: '/b', message: 'Must match the pattern "[a-z]+[a-z]+y".' },
    ]);
  });

  it('enforces ordinary patterns on ordinary strings', () => {
    const email = "^(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$";
    const hostname = '^(?=.{1,253}\\.?$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-0-9a-zA-Z]{0,61}[0-9a-zA-Z])?)*\\.?$';
    const ipv4 = '^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$';
    const cases: Array<[string, string[], string[]]> = [
      [email, ['ada@example.org', `first.last+tag@${'sub.'.repeat(40)}example.co.uk`], ['ada@example', 'ada.@example.org', '@example.org']],
      ['^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', ['ada@example.org'], ['ada@example', 'a b@example.org']],
      [hostname, ['example.org', `${'a'.repeat(63)}.example.org`], ['-example.org', `${'a'.repeat(64)}.org`]],
      [ipv4, ['192.168.0.1'], ['256.1.1.1', '1.2.3']],
      ['^\\d{4}-\\d{2}-\\d{2}$', ['2026-12-03'], ['2026-12-3', '12026-12-03']],
      ['^[a-z0-9_-]{3,16}$', ['ada_lovelace', 'abc'], ['ab', 'Ada', 'a'.repeat(17)]],
      ['^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', ['123e4567-e89b-12d3-a456-426614174000'], ['123e4567-e89b-12d3-a456-42661417400']],
      ['^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$', ['QUJD', 'QUI=', 'QUJDRA'.repeat(50_000).slice(0, 200_000)], ['QUJ', 'QU!D']],
      ['^v?\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$', ['1.2.3', 'v10.0.0-rc.1'], ['1.2', '1.2.3-']],
      ['^[a-z]+$', ['a'.repeat(1_000_000)], [`${'a'.repeat(1_000_000)}B`]],
    ];
    for (const [pattern, valid, invalid] of cases) {
      const check = against(pattern);
      for (const text of valid) expect(check(text).value, `${pattern} on ${text.slice(0, 40)}`).toEqual([]);
      for (const text of invalid) expect(check(text).value, `${pattern} on ${text.slice(0, 40)}`).toEqual(refusal(pattern));
    }
    expect(compileValidator({ type: 'object', patternProperties: { '^x-': { type: 'integer' } } })({ 'x-a': 'no', y: 'ok' })).toHaveLength(1);
  });

  it('judges what backtracks but finishes: an unanchored repetition on 100 KB of words, within the timed budget', () => {
    const check = against('[a-z]+@[a-z]+');
    const words = 'lorem ipsum dolor sit amet '.repeat(4_000);
    expect(check(`${words}ada@example`).value).toEqual([]);
    const { value, ms } = check(words);
    expect(value).toEqual(refusal('[a-z]+@[a-z]+'));
    expect(ms).toBeLessThan(1_000);
  });

  it('keeps a pattern that backtracks exponentially: its tool is validated, short strings judged, long ones bounded', () => {
    const logger = capturingLogger('warn');
    const catalog = buildCatalog(
      'hostile',
      [{ name: 'evil', inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' }, n: { type: 'integer' } } } }],
      { logger },
    );
    const validate = catalog.tools.get('evil')!.validate!;
    expect(logger.lines).toEqual([]);
    expect(validate({ s: 'aaaa', n: 1 })).toEqual([]);
    expect(validate({ s: 'aaab', n: 'x' })).toEqual([
      { path: '/s', message: 'Must match the pattern "^(a+)+$".' },
      { path: '/n', message: 'Must be integer, but got string "x".' },
    ]);
    for (const pattern of ['^(\\w+\\s?)*$', '(a|ab)*c', '(a)\\1', '(?<a>x)\\k<a>']) expect(() => compileValidator({ type: 'string', pattern })).not.toThrow();
    expect(compileValidator({ type: 'string', pattern: '^(\\w)\\1$' })('aa')).toEqual([]);
    expect(compileValidator({ type: 'string', pattern: '^(\\w)\\1$' })('ab')).toHaveLength(1);
  });

  it('leaves a string whose backtracking would overflow V8\'s stack to the server instead of failing the request', () => {
    // Before: ^(a)*$ on 10 million characters ran 2.2 s, then threw RangeError (a 500).
    const validate = compileValidator({ type: 'string', pattern: '^(a)*$' });
    const { value, ms } = timed(() => validate(`${'a'.repeat(10_000_000)}c`));
    expect([[], [{ path: '', message: 'Must match the pattern "^(a)*$".' }]]).toContainEqual(value);
    expect(ms).toBeLessThan(1_000);
  });
});

describe('pattern cost', () => {
  const steps = (pattern: string, n: number) => patternCost(pattern, true).steps(n);

  it('is linear in the string for ordinary patterns, whatever their repetitions', () => {
    for (const pattern of [
      '^[a-z]+$', '^\\d{4}-\\d{2}-\\d{2}$', '^[a-z0-9_-]{3,16}$', '^(?:a|b)*$', '^(?:[a-z]+\\.)*[a-z]+$', '^[^"]*"$',
      '^[a-zA-Z0-9.!#$%&\'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$',
      '^(?=.{1,253}\\.?$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-0-9a-zA-Z]{0,61}[0-9a-zA-Z])?)*\\.?$',
    ]) {
      const ratio = steps(pattern, 1_000_000) / steps(pattern, 10_000);
      expect(ratio, pattern).toBeGreaterThan(50);
      expect(ratio, pattern).toBeLessThan(150);
    }
  });

  it('grows with every repetition that can trade characters with another, counted as V8 backtracks', () => {
    // Unanchored: each start position; then n^k for k repetitions in a row, optional parts included.
    expect(steps('[a-z]+@', 20_000) / steps('[a-z]+@', 10_000)).toBeCloseTo(4, 0);
    expect(steps('^[a-z]+@', 20_000) / steps('^[a-z]+@', 10_000)).toBeCloseTo(2, 0);
    expect(steps('\\d+a?\\d+a?\\d+x', 800)).toBeGreaterThan(1e11);
    expect(steps('\\d{0,32}\\d{0,32}\\d{0,32}\\d{0,32}x', 200)).toBeGreaterThan(1e8);
    expect(steps('^(?:a|aa){10}(?:a|aa){10}(?:a|aa){10}$', 41)).toBeGreaterThan(1e9);
    expect(steps('^(a+)+$', 41)).toBeGreaterThan(1e20);
    expect(steps('(x+x+)+y', 41)).toBeGreaterThan(1e20);
    // zod's z.email(): quadratic in the model (a few steps per character in V8), so addresses of any real length run directly.
    const email = "^(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$";
    expect(steps(email, 254)).toBeLessThan(1e6);
    expect(steps(email, 20_000) / steps(email, 10_000)).toBeLessThan(4.5);
    // Unknown syntax (here: too long to analyse) costs Infinity: such a pattern only ever runs timed.
    expect(steps(`^${'a'.repeat(5_000)}$`, 1)).toBe(Infinity);
  });
});

describe('maximal bodies (10 MiB, the default --max-body-size)', () => {
  const MiB = 1024 * 1024;
  /** The largest `{"items": [...]}` of `item` whose JSON fits in 10 MiB, parsed. */
  const maximal = (item: unknown) => {
    const count = Math.floor((10 * MiB - 20) / (JSON.stringify(item).length + 1));
    return JSON.parse(JSON.stringify({ items: new Array(count).fill(item) })) as { items: unknown[] };
  };

  it('refuses five million wrong values with the first problem, not five million (which ran out of memory)', () => {
    const validate = compileValidator({ type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } });
    const body = maximal(0);
    expect(body.items.length).toBeGreaterThan(5_000_000);
    const { value, ms } = timed(() => validate(body));
    expect(value).toEqual([{ path: '/items/0', message: 'Must be string, but got integer 0.' }]);
    expect(ms).toBeLessThan(1_000);
    // A union of 20 variants, every one failing on each item: one problem too.
    const variants = Array.from({ length: 20 }, (_, k) => ({ type: 'object', properties: { kind: { const: `k${k}` } }, required: ['kind'] }));
    const union = compileValidator({ type: 'object', properties: { items: { type: 'array', items: { oneOf: variants } } } });
    const empty = maximal({});
    const unionResult = timed(() => union(empty));
    expect(unionResult.value.length).toBeGreaterThan(0);
    expect(unionResult.value.length).toBeLessThan(25);
    expect(unionResult.ms).toBeLessThan(1_000);
  });

  it('judges a 10 MiB body within about 100 ms or leaves it to the server: uniqueItems, unions, formats', () => {
    // Each took 0.5-2 s before (measured with CPU time on a loaded 2-core box).
    const unique = compileValidator({ type: 'object', properties: { items: { type: 'array', uniqueItems: true } } });
    const variants = Array.from({ length: 20 }, (_, k) => ({ type: 'object', properties: { kind: { const: `k${k}` }, v: { type: 'integer' } }, required: ['kind', 'v'] }));
    const union = compileValidator({ type: 'object', properties: { items: { type: 'array', items: { anyOf: variants } } } });
    const uri = compileValidator({ type: 'object', properties: { items: { type: 'array', items: { type: 'string', format: 'uri' } } } });
    const distinct = maximal(null);
    distinct.items = distinct.items.map((_, i) => ({ z: i, a: [i, { y: 1, b: 2 }] })).slice(0, 300_000);
    for (const [validate, body] of [
      [unique, distinct],
      [union, maximal({ kind: 'k19', v: 1 })],
      [uri, { items: [`http://${'a.'.repeat(5 * MiB)}`] }],
    ] as const) {
      const { value, ms } = timed(() => validate(body));
      expect(value).toEqual([]);
      expect(ms).toBeLessThan(600);
    }
  });

  it('lists every problem of a small invalid body, and the first of a bigger one', () => {
    const validate = compileValidator({ type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } });
    expect(validate({ items: [1, 'a', 2] })).toEqual([
      { path: '/items/0', message: 'Must be string, but got integer 1.' },
      { path: '/items/2', message: 'Must be string, but got integer 2.' },
    ]);
    expect(validate({ items: [...new Array(5_000).fill('a'), 1, 2] })).toEqual([{ path: '/items/5000', message: 'Must be string, but got integer 1.' }]);
  });

  it('compiles a format "regex" value within the step budget: ordinary ones judged, a 1 MB one left to the server', () => {
    const validate = compileValidator({ type: 'object', properties: { r: { type: 'string', format: 'regex' } } });
    expect(validate({ r: '^[a-z]+$' })).toEqual([]);
    expect(validate({ r: '[a-' })).toHaveLength(1);
    // Compiling it took 0.9 s.
    const { value, ms } = timed(() => validate({ r: 'a.'.repeat(500_000) }));
    expect(value).toEqual([]);
    expect(ms).toBeLessThan(200);
  });
});
