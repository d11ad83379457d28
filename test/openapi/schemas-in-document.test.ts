/**
 * The request body schema in the OpenAPI document must accept exactly what the tool's own schema
 * accepts, for schemas with $defs, recursion, refs into sibling properties, draft-07 keywords, escaped
 * names, $id/$anchor. Each fixture's instances are checked three ways: hand-written verdicts, our
 * validator, and an independent ajv reading the generated document.
 */
import { describe, expect, it } from 'vitest';
import { buildRootDocument, buildServerDocument } from '../../src/openapi/document.js';
import { compileValidator } from '../../src/openapi/validate.js';
import {
  INFO,
  catalogOf,
  documentSchemaValidator,
  expectValidOpenApi,
  requestSchema,
  tool,
  valuesOfKey,
} from './support/openapi.js';
import { ALL_FIXTURES } from './support/schemas.js';

const COMPONENT_NAME = /^[a-zA-Z0-9._-]+$/;

describe('tool schemas carried into the OpenAPI document', () => {
  const catalog = catalogOf(
    'fixtures',
    ALL_FIXTURES.map((f) => tool(f.name, f.schema)),
  );
  const doc = buildServerDocument(catalog, { info: INFO, serverUrl: '/fixtures' });

  it('produces a document an independent OpenAPI 3.1 validator accepts', async () => {
    await expectValidOpenApi(doc);
  });

  for (const fixture of ALL_FIXTURES) {
    it(`accepts and rejects the same bodies as the tool's own schema: ${fixture.name}`, () => {
      const ours = compileValidator(fixture.schema);
      const documented = documentSchemaValidator(doc, requestSchema(doc, `/${fixture.name}`));
      for (const body of fixture.valid) {
        expect(ours(body), `our validator on ${JSON.stringify(body)}`).toEqual([]);
        expect(documented(body), `document schema on ${JSON.stringify(body)}`).toBe(true);
      }
      for (const body of fixture.invalid) {
        expect(ours(body).length, `our validator on ${JSON.stringify(body)}`).toBeGreaterThan(0);
        expect(documented(body), `document schema on ${JSON.stringify(body)}`).toBe(false);
      }
    });
  }

  it('hoists definitions into components with valid names and leaves no $defs, definitions, $id or $schema', () => {
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    for (const name of Object.keys(schemas)) expect(name).toMatch(COMPONENT_NAME);
    for (const keyword of ['$defs', 'definitions', '$id', '$schema', '$anchor']) {
      expect(valuesOfKey(schemas, keyword), keyword).toEqual([]);
    }
    expect(schemas).toHaveProperty(['fixtures__tree.Input.Tree']);
    expect(schemas).toHaveProperty(['fixtures__draft07.Input.Nested.Deep']);
    expect(schemas['fixtures__tree.Input.Tree']).toMatchObject({
      properties: { children: { items: { $ref: '#/components/schemas/fixtures__tree.Input.Tree' } } },
    });
    expect(schemas['fixtures__escaping.Input']).toMatchObject({
      properties: {
        slash: { $ref: '#/components/schemas/fixtures__escaping.Input.a_b' },
        tilde: { $ref: '#/components/schemas/fixtures__escaping.Input.m_n' },
        space: { $ref: '#/components/schemas/fixtures__escaping.Input.My_Item' },
        accent: { $ref: '#/components/schemas/fixtures__escaping.Input.caf_' },
      },
    });
  });

  it('points a ref into a sibling property and that property at one shared component', () => {
    const schemas = (doc.components as { schemas: Record<string, any> }).schemas;
    const input = schemas['fixtures__sibling-refs.Input'];
    const arrayRef = '#/components/schemas/fixtures__sibling-refs.Input.properties.a';
    const itemsRef = '#/components/schemas/fixtures__sibling-refs.Input.properties.a.items';
    expect(input.properties).toEqual({ a: { $ref: arrayRef }, b: { $ref: itemsRef }, c: { $ref: arrayRef } });
    expect(schemas['fixtures__sibling-refs.Input.properties.a']).toEqual({ type: 'array', items: { $ref: itemsRef } });
    expect(schemas['fixtures__sibling-refs.Input.properties.a.items']).toMatchObject({ required: ['id'] });
  });

  it('translates draft-07 tuple items and dependencies to their 2020-12 keywords', () => {
    const schemas = (doc.components as { schemas: Record<string, any> }).schemas;
    const { point, loose, card } = schemas['fixtures__draft07.Input'].properties;
    expect(point).toEqual({ type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false });
    expect(loose).toEqual({ type: 'array', items: { type: 'string' } });
    expect(card.dependentRequired).toEqual({ number: ['billing'] });
    expect(card.dependentSchemas).toEqual({ billing: { required: ['number'] } });
    expect(card).not.toHaveProperty('dependencies');
  });
});

describe('definitions with the same name in different tools and servers', () => {
  const itemTool = (name: string, item: unknown) =>
    tool(name, { type: 'object', properties: { item: { $ref: '#/$defs/Item' } }, required: ['item'], $defs: { Item: item } });
  const github = catalogOf('github', [itemTool('a', { type: 'string' }), itemTool('b', { type: 'integer' })]);
  const gitlab = catalogOf('gitlab', [itemTool('a', { type: 'boolean' })]);

  it('keeps each tool’s Item separate in a server document', async () => {
    const doc = buildServerDocument(github, { info: INFO, serverUrl: '/github' });
    await expectValidOpenApi(doc);
    expect(documentSchemaValidator(doc, requestSchema(doc, '/a'))({ item: 'x' })).toBe(true);
    expect(documentSchemaValidator(doc, requestSchema(doc, '/a'))({ item: 1 })).toBe(false);
    expect(documentSchemaValidator(doc, requestSchema(doc, '/b'))({ item: 1 })).toBe(true);
    expect(documentSchemaValidator(doc, requestSchema(doc, '/b'))({ item: 'x' })).toBe(false);
  });

  it('keeps each server’s Item separate in the root document', async () => {
    const doc = buildRootDocument([github, gitlab], { info: INFO, serverUrl: '/' });
    await expectValidOpenApi(doc);
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    expect(schemas['github__a.Input.Item']).toEqual({ type: 'string' });
    expect(schemas['gitlab__a.Input.Item']).toEqual({ type: 'boolean' });
    expect(documentSchemaValidator(doc, requestSchema(doc, '/gitlab/a'))({ item: true })).toBe(true);
    expect(documentSchemaValidator(doc, requestSchema(doc, '/github/a'))({ item: true })).toBe(false);
  });
});

describe('schemas built in code', () => {
  it('resolves references inside a subschema object used at two places', async () => {
    const address = { type: 'object', properties: { zip: { $ref: '#/$defs/Zip' } } };
    const schema = { type: 'object', properties: { home: address, work: address }, $defs: { Zip: { type: 'string', pattern: '^\\d{5}$' } } };
    const doc = buildServerDocument(catalogOf('s', [tool('t', schema)]), { info: INFO, serverUrl: '/s' });
    await expectValidOpenApi(doc);
    const documented = documentSchemaValidator(doc, requestSchema(doc, '/t'));
    expect(documented({ home: { zip: '12345' }, work: { zip: '54321' } })).toBe(true);
    expect(documented({ home: { zip: '12345' }, work: { zip: 'x' } })).toBe(false);
    expect(compileValidator(schema)({ work: { zip: 'x' } })).toEqual([
      { path: '/work/zip', message: 'Must match the pattern "^\\d{5}$".' },
    ]);
  });
});

describe('keywords copied faithfully', () => {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    title: 'Search',
    description: 'Search the catalogue',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 200, pattern: '^\\S', examples: ['shoes'] },
      page: { type: 'integer', minimum: 1, default: 1, description: 'Page, from 1' },
      sort: { enum: ['price', 'name'], default: 'name' },
      since: { type: ['string', 'null'], format: 'date-time' },
      kind: { const: 'product' },
      tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 0, maxItems: 10 },
      filter: { oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'number' } }] },
      price: { allOf: [{ type: 'number' }, { not: { const: 0 } }], exclusiveMaximum: 1e6, multipleOf: 0.01 },
      blob: { type: 'string', contentEncoding: 'base64', contentMediaType: 'image/png', deprecated: true },
      'x-vendor': { type: 'string', 'x-widget': 'textarea', nonStandardKeyword: { keep: 'me' } },
    },
    required: ['query'],
    additionalProperties: false,
    minProperties: 1,
    if: { properties: { sort: { const: 'price' } } },
    then: { required: ['price'] },
  };

  it('copies every keyword of a schema without references unchanged, except $schema', async () => {
    const doc = buildServerDocument(catalogOf('shop', [tool('search', schema)]), { info: INFO, serverUrl: '/shop' });
    await expectValidOpenApi(doc);
    const { $schema: _dropped, ...expected } = schema;
    expect((doc.components as { schemas: Record<string, unknown> }).schemas['shop__search.Input']).toEqual(expected);
  });

  it('keeps an unresolvable $ref as an extension instead of a dangling document reference', async () => {
    const broken = { type: 'object', properties: { a: { $ref: '#/$defs/Missing', description: 'kept' } } };
    const doc = buildServerDocument(catalogOf('s', [tool('t', broken)]), { info: INFO, serverUrl: '/s' });
    await expectValidOpenApi(doc);
    const input = (doc.components as { schemas: Record<string, any> }).schemas['s__t.Input'];
    expect(input.properties.a).toEqual({ 'x-mcpo-unresolved-ref': '#/$defs/Missing', description: 'kept' });
  });
});
