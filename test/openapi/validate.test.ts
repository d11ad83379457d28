/**
 * Request validation enforces exactly what the tool's schema says, and reports problems a person can
 * act on: JSON Pointers into the body and sentences.
 */
import { describe, expect, it } from 'vitest';
import { SchemaCompileError, compileValidator } from '../../src/openapi/validate.js';
import { SHAPE_UNION } from './support/schemas.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('validation enforces the schema exactly', () => {
  const validate = compileValidator({
    type: 'object',
    properties: {
      count: { type: 'integer', default: 1 },
      flag: { type: 'boolean' },
      nick: { type: ['string', 'null'] },
      name: { type: 'string' },
      options: {
        type: 'object',
        properties: { depth: { type: 'integer', default: 3 }, mode: { enum: ['fast', 'slow'], default: 'fast' } },
      },
    },
  });

  it('refuses "5" for an integer and "true" for a boolean instead of coercing them', () => {
    expect(validate({ count: '5', flag: 'true' })).toEqual([
      { path: '/count', message: 'Must be integer, but got string "5".' },
      { path: '/flag', message: 'Must be boolean, but got string "true".' },
    ]);
  });

  it('accepts an explicit null where the type allows it, and rejects it where it does not', () => {
    expect(validate({ nick: null })).toEqual([]);
    expect(validate({ name: null })).toEqual([{ path: '/name', message: 'Must be string, but got null.' }]);
  });

  it('never inserts defaults or otherwise changes the arguments', () => {
    const args = deepFreeze({ options: {} });
    const before = JSON.stringify(args);
    expect(validate(args)).toEqual([]);
    expect(JSON.stringify(args)).toBe(before);
    expect(args).toEqual({ options: {} });
  });

  it('reports a wrong root type at the empty pointer', () => {
    expect(validate([1, 2])).toEqual([{ path: '', message: 'Must be object, but got array.' }]);
    expect(validate('{"count":1}')).toEqual([{ path: '', message: 'Must be object, but got string "{\\"count\\":1}".' }]);
  });
});

describe('additional properties are judged only by additionalProperties', () => {
  it('allows unknown properties when the schema does not forbid them, and passes them through', () => {
    const validate = compileValidator({ type: 'object', properties: { a: { type: 'string' } } });
    const args = deepFreeze({ a: 'x', extra: { anything: [1] } });
    expect(validate(args)).toEqual([]);
  });

  it('names each forbidden property by its own pointer', () => {
    const validate = compileValidator({
      type: 'object',
      properties: { user: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false } },
      additionalProperties: false,
    });
    expect(validate({ user: { name: 'a', 'a/b': 1 }, other: 2 })).toEqual([
      { path: '/other', message: 'Property "other" is not allowed.' },
      { path: '/user/a~1b', message: 'Property "a/b" is not allowed.' },
    ]);
  });

  it('validates extra properties against an additionalProperties schema', () => {
    const validate = compileValidator({ type: 'object', additionalProperties: { type: 'number' } });
    expect(validate({ a: 1, b: 'two' })).toEqual([{ path: '/b', message: 'Must be number, but got string "two".' }]);
  });
});

describe('problem paths and messages', () => {
  const validate = compileValidator({
    type: 'object',
    properties: {
      user: {
        type: 'object',
        properties: { name: { type: 'string', minLength: 2 }, 'e~mail': { type: 'string', format: 'email' } },
        required: ['name', 'e~mail'],
      },
      tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, maxItems: 3, uniqueItems: true },
      age: { type: 'integer', minimum: 0, exclusiveMaximum: 150 },
    },
    required: ['user'],
  });

  it('points a missing required property at where it should be', () => {
    expect(validate({})).toEqual([{ path: '/user', message: 'Required property "user" is missing.' }]);
    expect(validate({ user: {} })).toEqual([
      { path: '/user/name', message: 'Required property "name" is missing.' },
      { path: '/user/e~0mail', message: 'Required property "e~mail" is missing.' },
    ]);
  });

  it('reports every problem at once, each as a sentence', () => {
    const problems = validate({ user: { name: 'a', 'e~mail': 'nope' }, tags: ['ok', 'Bad', 'ok', 'x'], age: 150 });
    expect(problems).toEqual([
      { path: '/user/name', message: 'Must be at least 2 characters long.' },
      { path: '/user/e~0mail', message: 'Must be a valid email (format "email").' },
      { path: '/tags', message: 'Must have at most 3 items.' },
      { path: '/tags/1', message: 'Must match the pattern "^[a-z]+$".' },
      { path: '/tags', message: 'Must not contain duplicates (items 0 and 2 are equal).' },
      { path: '/age', message: 'Must be less than 150.' },
    ]);
    for (const { message } of problems) expect(message).toMatch(/^[A-Z].*\.$/);
  });
});

describe('unions are explained by the alternative the caller aimed for', () => {
  const validate = compileValidator({
    type: 'object',
    properties: {
      shape: SHAPE_UNION,
      parent: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] },
      id: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'integer' }] },
      pick: { anyOf: [{ required: ['a'] }, { required: ['b'] }] },
    },
    $defs: { Node: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
  });

  it('reports only the problems of the variant whose discriminator matches', () => {
    expect(validate({ shape: { kind: 'square', side: -1 } })).toEqual([
      { path: '/shape/side', message: 'Must be greater than or equal to 0.' },
    ]);
    expect(validate({ shape: { kind: 'circle' } })).toEqual([
      { path: '/shape/r', message: 'Required property "r" is missing.' },
    ]);
  });

  it('names every variant when the discriminator matches none, instead of the first variant\'s complaints', () => {
    // Regression: {"kind": "triangle"} was told `Must be "circle"` and that "r" is missing (the first alternative).
    expect(validate({ shape: { kind: 'triangle' } })).toEqual([
      { path: '/shape/kind', message: 'Must be one of "circle", "square" (what the alternatives of the oneOf accept here), but got string "triangle".' },
    ]);
    expect(validate({ shape: { kind: 3, r: 1 } })).toEqual([
      { path: '/shape/kind', message: 'Must be one of "circle", "square" (what the alternatives of the oneOf accept here), but got integer 3.' },
    ]);
    const tagged = compileValidator({
      type: 'object',
      properties: {
        event: {
          anyOf: [
            { type: 'object', properties: { type: { enum: ['click', 'tap'] }, x: { type: 'number' } }, required: ['type', 'x'] },
            { type: 'object', properties: { type: { const: 'key' }, code: { type: 'string' } }, required: ['type', 'code'] },
            { type: 'object', properties: { type: { const: 'tap' } }, required: ['type'] },
          ],
        },
      },
    });
    expect(tagged({ event: { type: 'scroll' } })).toEqual([
      { path: '/event/type', message: 'Must be one of "click", "tap", "key" (what the alternatives of the anyOf accept here), but got string "scroll".' },
    ]);
  });

  it('says which types were allowed when no alternative has the right type', () => {
    expect(validate({ parent: 'p1' })).toEqual([{ path: '/parent', message: 'Must be object or null, but got string "p1".' }]);
    expect(validate({ shape: 7 })).toEqual([{ path: '/shape', message: 'Must be object, but got integer 7.' }]);
  });

  it('follows a $ref inside an alternative', () => {
    expect(validate({ parent: { id: 'x' } })).toEqual([{ path: '/parent/id', message: 'Must be integer, but got string "x".' }]);
    expect(validate({ parent: null })).toEqual([]);
  });

  it('says when a value matches more than one alternative of a oneOf', () => {
    expect(validate({ id: 3 })).toEqual([
      { path: '/id', message: 'Matches more than one alternative (#2 and #3); it must match exactly one (oneOf).' },
    ]);
  });

  it('summarises equally close alternatives in one problem', () => {
    expect(validate({ pick: {} })).toEqual([
      {
        path: '/pick',
        message:
          'Does not match any of the allowed alternatives (anyOf). Closest: #1: required property "a" is missing ' +
          '(at /pick/a); #2: required property "b" is missing (at /pick/b).',
      },
    ]);
  });
});

describe('unions nested in arrays, recursion and other unions', () => {
  const validate = compileValidator({
    type: 'object',
    properties: { nodes: { type: 'array', items: { $ref: '#/$defs/Node' } } },
    $defs: {
      Node: {
        anyOf: [
          {
            type: 'object',
            properties: {
              kind: { const: 'group' },
              children: { type: 'array', items: { $ref: '#/$defs/Node' } },
            },
            required: ['kind', 'children'],
            additionalProperties: false,
          },
          {
            type: 'object',
            properties: {
              kind: { const: 'leaf' },
              value: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'number' } }] },
            },
            required: ['kind', 'value'],
            additionalProperties: false,
          },
        ],
      },
    },
  });

  it('explains each failing element separately, down through recursive references', () => {
    const body = {
      nodes: [
        { kind: 'leaf', value: 'ok' },
        { kind: 'leaf', value: '' },
        { kind: 'group', children: [{ kind: 'leaf', value: [1, 'two'] }, { kind: 'group' }] },
        { kind: 'leaf', value: 7 },
      ],
    };
    expect(validate(body)).toEqual([
      { path: '/nodes/1/value', message: 'Must be at least 1 character long.' },
      { path: '/nodes/2/children/0/value/1', message: 'Must be number, but got string "two".' },
      { path: '/nodes/2/children/1/children', message: 'Required property "children" is missing.' },
      { path: '/nodes/3/value', message: 'Must be string or array, but got integer 7.' },
    ]);
  });
});

describe('schemas from real servers compile', () => {
  it('ignores unknown formats and keywords instead of failing', () => {
    const validate = compileValidator({
      type: 'object',
      properties: { file: { type: 'string', format: 'path', 'x-ui': 'file-picker' }, n: { type: 'number', format: 'float' } },
      discriminator: { propertyName: 'file' },
    });
    expect(validate({ file: 'anything at all', n: 1.5 })).toEqual([]);
  });

  it('accepts patterns written for Python regular expressions, and enforces them', () => {
    const validate = compileValidator({ type: 'object', properties: { phone: { type: 'string', pattern: '^\\d{3}\\-\\d{4}$' } } });
    expect(validate({ phone: '555-1234' })).toEqual([]);
    expect(validate({ phone: '5551234' })).toHaveLength(1);
  });

  it('uses draft-07 meaning when $schema says draft-07 (tuple items)', () => {
    const validate = compileValidator({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { point: { type: 'array', items: [{ type: 'number' }, { type: 'string' }], additionalItems: false } },
    });
    expect(validate({ point: [1, 'a'] })).toEqual([]);
    expect(validate({ point: ['a', 1] })).toHaveLength(2);
    expect(validate({ point: [1, 'a', 2] })).toHaveLength(1);
  });

  it('reads a schema without $schema that uses tuple items as draft-07, but not because of a property name', () => {
    const tuple = compileValidator({
      type: 'object',
      properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] } },
    });
    expect(tuple({ pair: ['a', 1] })).toEqual([]);
    expect(tuple({ pair: [1, 'a'] })).toHaveLength(2);
    // A property called "dependencies" is data, not the draft-07 keyword: 2020-12 semantics stay.
    const modern = compileValidator({
      type: 'object',
      properties: { dependencies: { type: 'object' }, list: { type: 'array', prefixItems: [{ type: 'string' }] } },
    });
    expect(modern({ dependencies: {}, list: ['a', 2] })).toEqual([]);
    expect(modern({ list: [1] })).toHaveLength(1);
  });

  it('understands draft-04 boolean exclusive limits', () => {
    const validate = compileValidator({
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      properties: {
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: false },
        items: { type: 'array', items: { type: 'integer', maximum: 9, exclusiveMaximum: true } },
      },
    });
    expect(validate({ ratio: 1, items: [8] })).toEqual([]);
    expect(validate({ ratio: 0, items: [9] })).toEqual([
      { path: '/ratio', message: 'Must be greater than 0.' },
      { path: '/items/0', message: 'Must be less than 9.' },
    ]);
  });

  it('compiles schemas declaring draft-06, 2019-09 and 2020-12', () => {
    for (const $schema of [
      'http://json-schema.org/draft-06/schema#',
      'https://json-schema.org/draft/2019-09/schema',
      'https://json-schema.org/draft/2020-12/schema',
    ]) {
      const validate = compileValidator({ $schema, type: 'object', properties: { a: { const: 1 } } });
      expect(validate({ a: 2 }), $schema).toEqual([{ path: '/a', message: 'Must be 1.' }]);
    }
  });

  it('throws SchemaCompileError for a missing $ref target or an invalid pattern', () => {
    expect(() => compileValidator({ type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } })).toThrow(
      SchemaCompileError,
    );
    expect(() => compileValidator({ type: 'object', properties: { a: { type: 'string', pattern: '([a-z' } } })).toThrow(
      SchemaCompileError,
    );
    expect(() => compileValidator({ type: 'object', properties: { a: { type: 'strin' } } })).toThrow(SchemaCompileError);
  });
});
