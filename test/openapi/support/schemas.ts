/**
 * Hand-written tool input schemas covering what real servers send and the Python mcpo gets wrong,
 * each with instances it must accept and reject (the expected verdicts are written by hand from the
 * JSON Schema specification, so both our validator and the generated document are checked against them).
 */

export interface SchemaFixture {
  name: string;
  schema: Record<string, unknown>;
  valid: unknown[];
  invalid: unknown[];
}

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

export const recursiveTree: SchemaFixture = {
  name: 'tree',
  schema: {
    type: 'object',
    properties: { root: { $ref: '#/$defs/Tree' } },
    required: ['root'],
    $defs: {
      Tree: {
        type: 'object',
        properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/Tree' } } },
        required: ['value'],
        additionalProperties: false,
      },
    },
  },
  valid: [{ root: { value: 1 } }, { root: { value: 1, children: [{ value: 2, children: [{ value: 3 }] }] } }],
  invalid: [
    {},
    { root: { value: 1, children: [{ value: 'x' }] } },
    { root: { children: [] } },
    { root: { value: 1, children: [{ value: 2, extra: true }] } },
  ],
};

export const recursiveRoot: SchemaFixture = {
  name: 'root-recursive',
  schema: {
    type: 'object',
    properties: { name: { type: 'string' }, sub: { $ref: '#' } },
    required: ['name'],
  },
  valid: [{ name: 'a' }, { name: 'a', sub: { name: 'b', sub: { name: 'c' } } }],
  invalid: [{ name: 'a', sub: {} }, { name: 'a', sub: { name: 'b', sub: { name: 1 } } }],
};

/** What zod-to-json-schema (zod v3) emits for a reused schema: refs into sibling properties. */
export const siblingPropertyRefs: SchemaFixture = {
  name: 'sibling-refs',
  schema: {
    $schema: DRAFT_07,
    type: 'object',
    properties: {
      a: {
        type: 'array',
        items: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
      },
      b: { $ref: '#/properties/a/items' },
      c: { $ref: '#/properties/a' },
    },
    required: ['a'],
    additionalProperties: false,
  },
  valid: [{ a: [{ id: 'x' }], b: { id: 'y' }, c: [] }, { a: [] }],
  invalid: [{ a: [], b: { id: 1 } }, { a: [], c: [{}] }, { a: [], b: { id: 'x', z: 1 } }, { a: [{ id: 2 }] }, { a: [], d: 1 }],
};

export const draft07Legacy: SchemaFixture = {
  name: 'draft07',
  schema: {
    $schema: DRAFT_07,
    type: 'object',
    properties: {
      point: { type: 'array', items: [{ type: 'number' }, { type: 'number' }], additionalItems: false },
      loose: { type: 'array', items: { type: 'string' }, additionalItems: false },
      card: {
        type: 'object',
        properties: { number: { type: 'string' }, billing: { type: 'string' } },
        dependencies: { number: ['billing'], billing: { required: ['number'] } },
      },
      color: { $ref: '#/definitions/Color' },
      nested: { $ref: '#/definitions/Nested' },
    },
    definitions: {
      Color: { enum: ['red', 'green', null] },
      Nested: {
        type: 'object',
        properties: { deep: { $ref: '#/definitions/Nested/definitions/Deep' } },
        definitions: { Deep: { type: 'string', minLength: 2 } },
      },
    },
  },
  valid: [
    { point: [1, 2] },
    { point: [1] },
    { loose: ['a', 'b', 'c'] },
    { card: { number: '1', billing: 'x' } },
    { color: null },
    { nested: { deep: 'ab' } },
  ],
  invalid: [
    { point: [1, 2, 3] },
    { point: [1, 'a'] },
    { loose: ['a', 1] },
    { card: { number: '1' } },
    { card: { billing: 'x' } },
    { color: 'blue' },
    { nested: { deep: 'a' } },
  ],
};

/** Definition names that need JSON Pointer escaping and percent-encoding in refs. */
export const escapedNames: SchemaFixture = {
  name: 'escaping',
  schema: {
    type: 'object',
    properties: {
      slash: { $ref: '#/$defs/a~1b' },
      tilde: { $ref: '#/$defs/m~0n' },
      space: { $ref: '#/$defs/My%20Item' },
      accent: { $ref: '#/$defs/caf%C3%A9' },
    },
    $defs: {
      'a/b': { type: 'string' },
      'm~n': { type: 'integer' },
      'My Item': { type: 'boolean' },
      'café': { type: 'null' },
    },
  },
  valid: [{ slash: 'x', tilde: 1, space: true, accent: null }],
  invalid: [{ slash: 1 }, { tilde: 'x' }, { space: 'true' }, { accent: 0 }],
};

/** `$id` resources with relative refs and an `$anchor`, as hand-written schemas use them. */
export const idsAndAnchors: SchemaFixture = {
  name: 'ids',
  schema: {
    $id: 'https://example.com/schemas/order',
    type: 'object',
    properties: { item: { $ref: 'item' }, qty: { $ref: '#positive' } },
    $defs: {
      item: {
        $id: 'item',
        type: 'object',
        properties: { sku: { $ref: '#/$defs/sku' } },
        required: ['sku'],
        $defs: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' } },
      },
      positive: { $anchor: 'positive', type: 'integer', exclusiveMinimum: 0 },
    },
  },
  valid: [{ item: { sku: 'ABC-1' }, qty: 2 }, {}],
  invalid: [{ item: { sku: 'abc' } }, { qty: 0 }, { item: {} }],
};

/** A discriminated oneOf (circle | square), shared by the fixtures and the union-explanation tests. */
export const SHAPE_UNION = {
  oneOf: [
    { type: 'object', properties: { kind: { const: 'circle' }, r: { type: 'number' } }, required: ['kind', 'r'] },
    {
      type: 'object',
      properties: { kind: { const: 'square' }, side: { type: 'integer', minimum: 0 } },
      required: ['kind', 'side'],
    },
  ],
};

/** Unions, nulls, const, enum, not, formats: the detail the Python mcpo loses. */
export const unionsAndNulls: SchemaFixture = {
  name: 'unions',
  schema: {
    type: 'object',
    properties: {
      nickname: { type: ['string', 'null'], maxLength: 5 },
      shape: SHAPE_UNION,
      level: { enum: ['low', 'high'], default: 'low' },
      email: { type: 'string', format: 'email' },
      notFive: { type: 'integer', not: { const: 5 } },
      either: { anyOf: [{ type: 'string', minLength: 3 }, { type: 'number', multipleOf: 2 }] },
    },
    additionalProperties: { type: 'string' },
  },
  valid: [
    { nickname: null },
    { nickname: 'bob', shape: { kind: 'circle', r: 1.5 } },
    { shape: { kind: 'square', side: 0 }, level: 'high', email: 'a@b.co', notFive: 4, either: 'abc' },
    { either: 4, other: 'extra strings are allowed' },
  ],
  invalid: [
    { nickname: 'toolong' },
    { nickname: 3 },
    { shape: { kind: 'square', side: -1 } },
    { shape: { kind: 'triangle' } },
    { level: 'medium' },
    { email: 'not-an-email' },
    { notFive: 5 },
    { either: 'ab' },
    { either: 3 },
    { other: 1 },
  ],
};

/** Draft-04, still emitted by some older generators: boolean exclusive limits. */
export const draft04Limits: SchemaFixture = {
  name: 'draft04',
  schema: {
    $schema: 'http://json-schema.org/draft-04/schema#',
    type: 'object',
    properties: {
      ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: false },
    },
  },
  valid: [{ ratio: 1 }, { ratio: 0.5 }],
  invalid: [{ ratio: 0 }, { ratio: 1.5 }],
};

export const ALL_FIXTURES: readonly SchemaFixture[] = [
  draft04Limits,
  recursiveTree,
  recursiveRoot,
  siblingPropertyRefs,
  draft07Legacy,
  escapedNames,
  idsAndAnchors,
  unionsAndNulls,
];
