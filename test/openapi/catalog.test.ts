/**
 * A catalog compiles each tool once; a broken schema costs only that tool its validation, never the
 * server its routes, and is reported in the log by server and tool.
 */
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/openapi/catalog.js';
import { capturingLogger } from '../helpers/logs.js';
import { tool } from './support/openapi.js';

const good = tool('good', { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] });

describe('broken tool schemas', () => {
  const logger = capturingLogger('warn');
  const catalog = buildCatalog(
    'files',
    [
      good,
      tool('missing-ref', { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } }),
      tool('bad-pattern', { type: 'object', properties: { a: { type: 'string', pattern: '(?P<name>x)' } } }),
    ],
    { logger },
  );

  it('serves the tool without validation and warns naming the server and the tool', () => {
    expect(catalog.tools.get('missing-ref')?.validate).toBeUndefined();
    expect(catalog.tools.get('bad-pattern')?.validate).toBeUndefined();
    expect([...catalog.tools.keys()]).toEqual(['good', 'missing-ref', 'bad-pattern']);
    const warnings = logger.lines.filter((l) => l.includes('WARN'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/server=files tool=missing-ref/);
    expect(warnings[1]).toMatch(/server=files tool=bad-pattern/);
  });

  it('still validates the other tools of the same server', () => {
    const validate = catalog.tools.get('good')?.validate;
    expect(validate?.({ a: 'x' })).toEqual([]);
    expect(validate?.({})).toEqual([{ path: '/a', message: 'Required property "a" is missing.' }]);
  });
});

describe('unknown formats', () => {
  it('are ignored with a debug line instead of a warning or a failed compile', () => {
    const logger = capturingLogger('debug');
    const catalog = buildCatalog('s', [tool('t', { type: 'object', properties: { p: { type: 'string', format: 'fs-path' } } })], {
      logger,
    });
    expect(catalog.tools.get('t')?.validate?.({ p: 'anything' })).toEqual([]);
    expect(logger.lines.filter((l) => l.includes('WARN'))).toEqual([]);
    expect(logger.lines.some((l) => l.includes('DEBUG') && l.includes('unknown format "fs-path"'))).toBe(true);
  });
});

describe('schemas sharing an $id', () => {
  it('compiles two tools whose different schemas have the same $id, each validating by its own', () => {
    const logger = capturingLogger('warn');
    const a = { $id: 'https://example.com/args', type: 'object', properties: { n: { type: 'integer' } } };
    const b = { $id: 'https://example.com/args', type: 'object', properties: { n: { type: 'string' } } };
    const nested = (type: string) => ({
      type: 'object',
      properties: { v: { $ref: 'https://example.com/value' } },
      $defs: { value: { $id: 'https://example.com/value', type } },
    });
    const catalog = buildCatalog(
      's',
      [tool('a', a), tool('b', b), tool('c', nested('boolean')), tool('d', nested('number'))],
      { logger },
    );
    expect(logger.lines).toEqual([]);
    const validate = (name: string) => catalog.tools.get(name)!.validate!;
    expect(validate('a')({ n: 1 })).toEqual([]);
    expect(validate('a')({ n: 'x' })).toHaveLength(1);
    expect(validate('b')({ n: 'x' })).toEqual([]);
    expect(validate('b')({ n: 1 })).toHaveLength(1);
    expect(validate('c')({ v: true })).toEqual([]);
    expect(validate('d')({ v: true })).toHaveLength(1);
  });
});

describe('operation ids', () => {
  it('are `${server}__${tool}`, sanitized, with a suffix when sanitizing collides', () => {
    const catalog = buildCatalog(
      'my-server',
      [tool('search', {}), tool('a b', {}), tool('a_b', {}), tool('a/b', {}), tool('x.y-z', {})].map((t) => ({
        ...t,
        inputSchema: { type: 'object' as const },
      })),
      { logger: capturingLogger() },
    );
    expect([...catalog.tools.values()].map((t) => t.operationId)).toEqual([
      'my-server__search',
      'my-server__a_b',
      'my-server__a_b_2',
      'my-server__a_b_3',
      'my-server__x.y-z',
    ]);
  });

  it('keeps the first of two tools listed under the same name, with a warning', () => {
    const logger = capturingLogger('warn');
    const catalog = buildCatalog('s', [good, tool('good', { type: 'object' })], { logger });
    expect(catalog.tools.size).toBe(1);
    expect(catalog.tools.get('good')?.tool).toBe(good);
    expect(logger.lines.join('\n')).toMatch(/twice.*server=s tool=good/);
  });
});

describe('a server listing many tools', () => {
  it('gets its catalog without compiling every schema first: 10,000 tools in well under a second', () => {
    // Regression (issue #14): compiling all 10,000 input schemas (about a millisecond each) held the event loop, and
    // so every server's requests, for 10-18 s, again after each change of the list. Each is compiled when first used.
    const tools = Array.from({ length: 10_000 }, (_, i) =>
      tool(`t${i}`, { type: 'object', properties: { a: { type: 'string', pattern: `^${i}` }, b: { type: 'integer', minimum: i } }, required: ['a'] }),
    );
    const started = performance.now();
    const catalog = buildCatalog('many', tools, { logger: capturingLogger('warn') });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(catalog.tools.size).toBe(10_000);
    expect(catalog.tools.get('t9999')!.validate!({ a: '9999x', b: 9999 })).toEqual([]);
    expect(catalog.tools.get('t9999')!.validate!({ a: 'x', b: 1 })).toHaveLength(2);
  });

  it('warns about a schema that cannot be compiled once, when it is first used', () => {
    const logger = capturingLogger('warn');
    const catalog = buildCatalog('s', [tool('bad', { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } })], { logger });
    expect(logger.lines).toEqual([]);
    expect(catalog.tools.get('bad')!.validate).toBeUndefined();
    expect(catalog.tools.get('bad')!.validate).toBeUndefined();
    expect(logger.lines.filter((l) => l.includes('WARN'))).toHaveLength(1);
  });
});
