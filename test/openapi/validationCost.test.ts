/**
 * Validation must not hold the event loop: issue #14, item 6. A 470 KB body against `uniqueItems` on objects
 * took 35 s (ajv compares every pair), and a schema `pattern` that backtracks (`^(a+)+$`) froze the process
 * on a short string. Each attack below took seconds (or minutes) before; the bound in the tests is generous
 * for a loaded 2-core machine, the real figures are in the commit message.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/openapi/catalog.js';
import { compileValidator, SchemaCompileError } from '../../src/openapi/validate.js';
import { patternCost } from '../../src/openapi/validation/patterns.js';
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

  it('tells apart what JSON tells apart: 1 and "1", null and "null", [1,2] and [2,1], {} and []', () => {
    expect(validate({ any: [1, '1', null, 'null', [1, 2], [2, 1], {}, [], true, 'true'] })).toEqual([]);
    expect(validate({ any: [1, 1.0] })).toHaveLength(1);
    expect(validate({ any: ['a"b', 'a"b'] })).toHaveLength(1);
  });
});

describe('pattern', () => {
  it('refuses a pattern that backtracks exponentially: the tool is served unvalidated, with a warning naming it', () => {
    const logger = capturingLogger('warn');
    const catalog = buildCatalog(
      'hostile',
      [{ name: 'evil', inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } } }],
      { logger },
    );
    expect(catalog.tools.get('evil')?.validate).toBeUndefined();
    expect(logger.lines.join('\n')).toContain('can backtrack exponentially');
    expect(() => compileValidator({ type: 'string', pattern: '^(\\w+\\s?)*$' })).toThrow(SchemaCompileError);
    expect(() => compileValidator({ type: 'string', pattern: '(a|ab)*c' })).toThrow(SchemaCompileError);
    expect(() => compileValidator({ type: 'string', pattern: '(a)\\1' })).toThrow(SchemaCompileError);
  });

  it('runs a pattern with several unbounded repetitions within a budget: 64 KiB of digits against \\d+\\d+\\d+x', () => {
    const validate = compileValidator({ type: 'object', properties: { s: { type: 'string', pattern: '\\d+\\d+\\d+x' }, list: { type: 'array', items: { type: 'string', pattern: '\\d+\\d+x' } } } });
    expect(timed(() => validate({ s: '1'.repeat(65_536) })).ms).toBeLessThan(500);
    expect(timed(() => validate({ list: Array.from({ length: 2_000 }, () => '1'.repeat(200)) })).ms).toBeLessThan(500);
    // Ordinary input is still checked.
    expect(validate({ s: '123x' })).toEqual([]);
    expect(validate({ s: '123y' })).toEqual([{ path: '/s', message: 'Must match the pattern "\\d+\\d+\\d+x".' }]);
  });

  it('enforces linear patterns on strings of any length', () => {
    const validate = compileValidator({ type: 'string', pattern: '^[a-z]+$' });
    expect(validate('a'.repeat(1_000_000))).toEqual([]);
    expect(validate(`${'a'.repeat(1_000_000)}B`)).toHaveLength(1);
    expect(compileValidator({ type: 'object', patternProperties: { '^x-': { type: 'integer' } } })({ 'x-a': 'no', y: 'ok' })).toHaveLength(1);
  });

  it('reads the cost of common patterns right', () => {
    for (const safe of ['^\\d{5}$', '^[a-z0-9._%+-]+@[a-z0-9.-]+$', '^(?:ab)+$', '^(a|b)$', '^\\S', '^[(+*]+$', '^\\(\\d+\\)$', '^(?<year>\\d{4})-\\d{2}$',
      // zod's email and hostname patterns, an IPv4 one: repetitions marked by a dot the repeated parts cannot match
      "^(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$",
      '^(?=.{1,253}\\.?$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-0-9a-zA-Z]{0,61}[0-9a-zA-Z])?)*\\.?$',
      '^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$']) {
      expect(patternCost(safe).exponential, safe).toBe(false);
    }
    for (const unsafe of ['^(a+)+$', '(a*)*', '^([a-z]+\\s?){2,}$', '(x|xy)+', '(?:\\d+,?)+$', '(?<a>x)\\k<a>']) {
      expect(patternCost(unsafe).exponential, unsafe).toBe(true);
    }
    expect(patternCost('^\\d+\\d+x$').unbounded).toBe(2);
    expect(patternCost('^[a-z]+[a-z0-9]*@[a-z]+\\.[a-z]{2,}$').unbounded).toBe(2);
    expect(patternCost('\\d+\\d+\\d+x').unbounded).toBe(3);
    expect(patternCost('.*a.*b.*c').unbounded).toBe(3);
    // zod's z.email(): a row of two at most, so addresses up to ~270 characters are checked.
    expect(patternCost("^(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$").unbounded).toBe(2);
    expect(patternCost('^\\d{1,10}$').unbounded).toBe(0);
  });
});
