/**
 * The documents describe each tool as a user of Swagger UI or a client generator needs: summary,
 * description with the MCP hints, the body (optional when {} is valid), the result, every error.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { STATUS_BY_CODE } from '../../src/errors.js';
import { buildRootDocument, buildServerDocument } from '../../src/openapi/document.js';
import { declaresNoArguments } from '../../src/openapi/operation.js';
import { CODES_NOT_FROM_OPERATIONS } from '../../src/openapi/error-responses.js';
import { RESULT_MAPPING_DESCRIPTION } from '../../src/openapi/result.js';
import { capturingLogger } from '../helpers/logs.js';
import {
  INFO,
  catalogOf,
  documentSchemaValidator,
  expectValidOpenApi,
  requestSchema,
  responseSchema,
  tool,
} from './support/openapi.js';

type Json = Record<string, any>;

const weather = tool(
  'get_weather',
  { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  {
    title: 'Get weather',
    description: 'Current weather for a city.',
    annotations: { title: 'Weather (annotation)', readOnlyHint: true, openWorldHint: true },
    outputSchema: {
      type: 'object',
      properties: { temperature: { type: 'number' }, wind: { $ref: '#/$defs/Wind' } },
      required: ['temperature'],
      $defs: { Wind: { type: 'object', properties: { speed: { type: 'number', minimum: 0 } } } },
    },
  },
);
const ping = tool('ping', { type: 'object' }, { annotations: { title: 'Ping it', destructiveHint: false } });
const pingHost = tool('ping', { type: 'object', properties: { host: { type: 'string' } } });
const list = tool('list', { type: 'object', properties: { limit: { type: 'integer', default: 10 } } });

const catalog = catalogOf('weather', [weather, ping, list]);
const doc = buildServerDocument(catalog, { info: { ...INFO, description: 'Weather tools' }, serverUrl: '/api/weather' });
const op = (d: Json, path: string): Json => d.paths[path].post;

describe('per-server document', () => {
  it('is valid OpenAPI 3.1 with the given info and server URL, paths relative to the server', async () => {
    await expectValidOpenApi(doc);
    expect(doc).toMatchObject({
      openapi: '3.1.0',
      info: { title: INFO.title, version: INFO.version, description: 'Weather tools' },
      servers: [{ url: '/api/weather' }],
    });
    expect(Object.keys(doc.paths as Json)).toEqual(['/get_weather', '/ping', '/list']);
    expect(doc.tags).toEqual([{ name: 'weather', description: 'Tools of the MCP server "weather" (3 tools).' }]);
  });

  it('takes summary from the title, description from the description, and shows the MCP hints', () => {
    const weatherOp = op(doc, '/get_weather');
    expect(weatherOp).toMatchObject({
      operationId: 'weather__get_weather',
      summary: 'Get weather',
      description: 'Current weather for a city.\n\nMCP hints: read-only, open world (reaches external systems).',
      tags: ['weather'],
      'x-mcp-tool': 'get_weather',
      'x-mcp-annotations': { title: 'Weather (annotation)', readOnlyHint: true, openWorldHint: true },
    });
    expect(op(doc, '/ping')).toMatchObject({ summary: 'Ping it', description: 'MCP hints: not destructive.' });
    expect(op(doc, '/list')).not.toHaveProperty('summary');
    expect(op(doc, '/list')).not.toHaveProperty('description');
  });

  it('makes the body optional exactly when an empty object is valid arguments', () => {
    expect(op(doc, '/get_weather').requestBody.required).toBe(true);
    expect(op(doc, '/list').requestBody.required).toBe(false);
    expect(op(doc, '/list').requestBody.description).toMatch(/empty body is sent as \{\}/);
  });

  it('declares no requestBody for a tool without arguments, as the Python mcpo does (Open WebUI refuses to call it otherwise)', () => {
    expect(op(doc, '/ping')).not.toHaveProperty('requestBody');
    const schemas = (doc.components as Json).schemas;
    expect(Object.keys(schemas).filter((name) => name.startsWith('weather__ping.'))).toEqual([]);
  });

  it('documents structuredContent with the output schema, its $defs hoisted like the input', () => {
    expect(responseSchema(doc, '/get_weather')).toEqual({ $ref: '#/components/schemas/weather__get_weather.Output' });
    const schemas = (doc.components as Json).schemas;
    expect(schemas['weather__get_weather.Output'].properties.wind).toEqual({
      $ref: '#/components/schemas/weather__get_weather.Output.Wind',
    });
    const output = documentSchemaValidator(doc, responseSchema(doc, '/get_weather'));
    expect(output({ temperature: 20, wind: { speed: 3 } })).toBe(true);
    expect(output({ temperature: 20, wind: { speed: -3 } })).toBe(false);
  });

  it('documents the result-mapping rules when the tool has no output schema', () => {
    expect(responseSchema(doc, '/ping')).toEqual({ description: RESULT_MAPPING_DESCRIPTION });
  });

  it('refers every operation to the shared error responses, by status', () => {
    for (const path of ['/get_weather', '/ping', '/list']) {
      const { responses } = op(doc, path);
      expect(responses['422']).toEqual({ $ref: '#/components/responses/ValidationFailed' });
      const statuses = new Set(Object.values(STATUS_BY_CODE).filter((s) => ![401, 403, 405, 499].includes(s)));
      expect(Object.keys(responses)).toEqual(['200', ...[...statuses].sort().map(String)]);
      expect(responses['404']).toEqual({ $ref: '#/components/responses/NotFound' });
      expect(responses['503']).toEqual({ $ref: '#/components/responses/ServiceUnavailable' });
    }
  });

  it('describes one error envelope whose codes are those of src/errors.ts, each under its own status', () => {
    const { schemas, responses } = doc.components as Json;
    expect(schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(STATUS_BY_CODE));
    const documented: string[] = [];
    for (const [name, response] of Object.entries<Json>(responses)) {
      const status = Number(Object.entries<Json>(op(doc, '/ping').responses).find(([, r]) => r.$ref?.endsWith(`/${name}`))?.[0]);
      const schema = response.content['application/json'].schema;
      expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Error' });
      const codes: string[] = schema.allOf[1].properties.error.properties.code.enum;
      for (const code of codes) expect(STATUS_BY_CODE[code as keyof typeof STATUS_BY_CODE], code).toBe(status);
      documented.push(...codes);
    }
    const sent = Object.keys(STATUS_BY_CODE).filter((c) => !CODES_NOT_FROM_OPERATIONS.has(c as never) && c !== 'UNAUTHORIZED');
    expect(documented.sort()).toEqual(sent.sort());
    expect(responses.ValidationFailed.content['application/json'].schema.allOf[1].properties.error.properties.details)
      .toMatchObject({ properties: { problems: { items: { $ref: '#/components/schemas/ValidationProblem' } } } });
    expect(responses.ToolError.content['application/json'].schema.allOf[1].properties.error.properties.details)
      .toMatchObject({ properties: { content: {} } });
    expect(responses.ServiceUnavailable.content['application/json'].schema.allOf[1].properties.error.properties.details)
      .toMatchObject({ properties: { authorizationUrl: { type: 'string' } } });
  });

  it('has no security and no 401 without an API key; a bearer scheme and 401 with one', async () => {
    expect(doc).not.toHaveProperty('security');
    expect((doc.components as Json).securitySchemes).toBeUndefined();
    const secured = buildServerDocument(catalog, { info: INFO, serverUrl: '/weather', apiKey: true }) as Json;
    await expectValidOpenApi(secured);
    expect(secured.security).toEqual([{ bearerAuth: [] }]);
    expect(secured.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(op(secured, '/ping').responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
    expect(secured.components.responses.Unauthorized.content['application/json'].schema.allOf[1].properties.error.properties.code.enum)
      .toEqual(['UNAUTHORIZED']);
  });
});

describe('root document', () => {
  const files = catalogOf('files', [tool('read file', { type: 'object', properties: { path: { type: 'string' } } })]);
  const describedCatalog = { ...catalogOf('a b', [pingHost]), description: 'Custom server description.' };
  const lookalike = catalogOf('a_b', [pingHost]);
  const root = buildRootDocument([catalog, files, describedCatalog, lookalike], { info: INFO, serverUrl: '/' }) as Json;

  it('is valid OpenAPI 3.1 with every tool of every server at /{server}/{tool}', async () => {
    await expectValidOpenApi(root);
    expect(Object.keys(root.paths)).toEqual([
      '/weather/get_weather',
      '/weather/ping',
      '/weather/list',
      '/files/read%20file',
      '/a%20b/ping',
      '/a_b/ping',
    ]);
    expect(root.servers).toEqual([{ url: '/' }]);
  });

  it('tags each operation with its server, one described tag per server', () => {
    expect(root.tags).toEqual([
      { name: 'weather', description: 'Tools of the MCP server "weather" (3 tools).' },
      { name: 'files', description: 'Tools of the MCP server "files" (1 tool).' },
      { name: 'a b', description: 'Custom server description.' },
      { name: 'a_b', description: 'Tools of the MCP server "a_b" (1 tool).' },
    ]);
    expect(op(root, '/files/read%20file').tags).toEqual(['files']);
  });

  it('keeps operation ids unique even when sanitized server names collide', () => {
    const ids = Object.values<Json>(root.paths).map((p) => p.post.operationId);
    expect(ids).toEqual([
      'weather__get_weather',
      'weather__ping',
      'weather__list',
      'files__read_file',
      'a_b__ping',
      'a_b__ping_2',
    ]);
    expect(requestSchema(root, '/a_b/ping')).toEqual({ $ref: '#/components/schemas/a_b__ping_2.Input' });
  });
});

describe('which input schemas declare no argument (no requestBody)', () => {
  it('counts only object schemas without properties, whatever words they carry', () => {
    for (const schema of [
      {},
      { type: 'object' },
      { type: 'object', properties: {} },
      { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: {}, additionalProperties: false },
      { type: 'object', title: 'Args', description: 'none', required: [], $defs: { Unused: { type: 'string' } } },
    ]) {
      expect(declaresNoArguments(schema), JSON.stringify(schema)).toBe(true);
    }
  });

  it('keeps the body of every schema that may describe arguments', () => {
    for (const schema of [
      { type: 'object', properties: { a: { type: 'string' } } },
      { type: 'object', required: ['a'] },
      { type: 'object', additionalProperties: { type: 'string' } },
      { type: 'object', patternProperties: { '^x': { type: 'string' } } },
      { type: 'object', oneOf: [{ properties: { a: { const: 1 } } }, { properties: { b: { const: 2 } } }] },
      { $ref: '#/$defs/Args', $defs: { Args: { type: 'object', properties: { a: {} } } } },
      { type: ['object', 'null'] },
      true,
    ]) {
      expect(declaresNoArguments(schema), JSON.stringify(schema)).toBe(false);
    }
  });
});

describe('the independent validator used above', () => {
  it('rejects a document with a dangling $ref, so passing it means something', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const broken = structuredClone(doc) as Json;
    broken.paths['/list'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Nope' };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });
});

describe('a tool schema that cannot be carried over', () => {
  /** Properties nested `depth` levels deep: valid JSON Schema, but deeper than the stack allows to copy. */
  function nested(depth: number): Record<string, unknown> {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { a: schema } };
    return schema;
  }

  it('costs only that tool its schemas: the document stays valid and every other tool keeps its own', async () => {
    // Regression: one over-deep tool schema made every document (root included) answer 500.
    const deep = tool('deep', nested(3000), { outputSchema: nested(3) as Tool['outputSchema'] });
    const root = buildRootDocument([catalogOf('weather', [weather, deep, ping])], { info: INFO, serverUrl: '/' });
    await expectValidOpenApi(root);
    const deepOp = op(root, '/weather/deep');
    expect(deepOp['x-mcpo-schema-error']).toMatch(/call stack/);
    expect(requestSchema(root, '/weather/deep')).toEqual({ $ref: '#/components/schemas/weather__deep.Input' });
    expect((root.components as Json).schemas['weather__deep.Input']).toEqual({
      type: 'object',
      description: expect.stringContaining('the MCP server validates the arguments'),
    });
    expect(Object.keys((root.components as Json).schemas).filter((n) => n.startsWith('weather__deep.'))).toEqual(['weather__deep.Input']);
    expect(deepOp.responses['200'].description).not.toContain('outputSchema');
    expect(op(root, '/weather/get_weather').responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/weather__get_weather.Output',
    });
  });

  it('whose validator throws is documented by a stand-in with a warning, not a 500 for the whole document', async () => {
    // Regression (issue #14): asking the tool's validator whether {} is valid threw, in the first attempt and again in
    // the stand-in's, so the error escaped and the root document answered 500 for every server.
    const either = tool('ping', { type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['a'] }, { required: ['b'] }] });
    const catalog = catalogOf('weather', [weather, either]);
    const broken = catalog.tools.get('ping')!;
    (catalog.tools as Map<string, unknown>).set('ping', { ...broken, validate: () => { throw new TypeError('explaining failed'); } });
    const logger = capturingLogger();
    const root = buildRootDocument([catalog], { info: INFO, serverUrl: '/', logger });
    await expectValidOpenApi(root);
    expect(op(root, '/weather/ping')['x-mcpo-schema-error']).toBe('explaining failed');
    expect(op(root, '/weather/get_weather')['x-mcpo-schema-error']).toBeUndefined();
    expect(logger.lines.join('\n')).toMatch(/WARN .*Tool schema cannot be documented.*server=weather tool=ping/);
  });
});
