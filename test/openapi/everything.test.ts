/**
 * @modelcontextprotocol/server-everything, the reference MCP server nobody here wrote, over stdio:
 * its tools must compile, its documents must validate, and its real results must map as documented.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog, type ServerCatalog } from '../../src/openapi/catalog.js';
import { buildRootDocument, buildServerDocument, type OpenApiDocument } from '../../src/openapi/document.js';
import { mapToolResult } from '../../src/openapi/result.js';
import { EVERYTHING_ENTRY } from '../helpers/everything.js';
import { capturingLogger } from '../helpers/logs.js';
import { INFO, documentSchemaValidator, expectValidOpenApi, requestSchema, responseSchema } from './support/openapi.js';

describe('server-everything over stdio', () => {
  let client: Client;
  let catalog: ServerCatalog;
  let doc: OpenApiDocument;
  const logger = capturingLogger('warn');

  beforeAll(async () => {
    client = new Client({ name: 'mcpo-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [EVERYTHING_ENTRY, 'stdio'],
        env: { PATH: process.env.PATH ?? '' },
        stderr: 'ignore',
      }),
    );
    catalog = buildCatalog('everything', (await client.listTools()).tools, { logger });
    doc = buildServerDocument(catalog, { info: INFO, serverUrl: '/everything', apiKey: true });
  });
  afterAll(() => client?.close());

  const call = async (name: string, args: Record<string, unknown>): Promise<unknown> => {
    const problems = catalog.tools.get(name)!.validate!(args);
    expect(problems).toEqual([]);
    return mapToolResult((await client.callTool({ name, arguments: args })) as CallToolResult);
  };

  it('compiles every tool schema without a warning', () => {
    expect(catalog.tools.size).toBeGreaterThanOrEqual(10);
    expect([...catalog.tools.values()].filter((t) => !t.validate).map((t) => t.name)).toEqual([]);
    expect(logger.lines).toEqual([]);
  });

  it('yields server and root documents an independent OpenAPI 3.1 validator accepts', async () => {
    await expectValidOpenApi(doc);
    await expectValidOpenApi(buildRootDocument([catalog], { info: INFO, serverUrl: '/' }));
  });

  it('keeps enums, defaults and bounds of its draft-07 schemas in the document', () => {
    const schemas = (doc.components as { schemas: Record<string, any> }).schemas;
    expect(schemas['everything__get-annotated-message.Input'].properties.messageType.enum).toEqual(['error', 'success', 'debug']);
    expect(schemas['everything__get-resource-links.Input'].properties.count).toMatchObject({ default: 3, minimum: 1, maximum: 10 });
    expect(schemas['everything__echo.Input']).not.toHaveProperty('$schema');
    const sum = documentSchemaValidator(doc, requestSchema(doc, '/get-sum'));
    expect(sum({ a: 1, b: 2 })).toBe(true);
    expect(sum({ a: '1', b: 2 })).toBe(false);
  });

  it('rejects what its schemas reject, with pointers', () => {
    expect(catalog.tools.get('get-sum')!.validate!({ a: '1' })).toEqual([
      { path: '/b', message: 'Required property "b" is missing.' },
      { path: '/a', message: 'Must be number, but got string "1".' },
    ]);
    expect(catalog.tools.get('get-resource-links')!.validate!({ count: 11 })).toEqual([
      { path: '/count', message: 'Must be less than or equal to 10.' },
    ]);
  });

  it('maps a text result to its string and a JSON text to its value', async () => {
    expect(await call('echo', { message: 'hi' })).toBe('Echo: hi');
    expect(await call('get-sum', { a: 2, b: 3 })).toBe('The sum of 2 and 3 is 5.');
  });

  it('serves structuredContent that the documented output schema accepts', async () => {
    const body = await call('get-structured-content', { location: 'Chicago' });
    expect(body).toMatchObject({ temperature: expect.any(Number), conditions: expect.any(String) });
    expect(documentSchemaValidator(doc, responseSchema(doc, '/get-structured-content'))(body)).toBe(true);
  });

  it('maps images, resource links and embedded resources without dropping any item', async () => {
    const image = (await call('get-tiny-image', {})) as unknown[];
    expect(image[0]).toBe("Here's the image you requested:");
    expect(image[1]).toEqual({ type: 'image', mimeType: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) });

    expect(await call('get-resource-links', { count: 2 })).toEqual([
      'Here are 2 resource links to resources available in this server:',
      {
        type: 'resource_link',
        uri: 'demo://resource/dynamic/blob/1',
        name: 'Blob Resource 1',
        mimeType: 'text/plain',
        description: 'Resource 1: plaintext resource',
      },
      {
        type: 'resource_link',
        uri: 'demo://resource/dynamic/text/2',
        name: 'Text Resource 2',
        mimeType: 'text/plain',
        description: 'Resource 2: plaintext resource',
      },
    ]);

    const reference = (await call('get-resource-reference', { resourceType: 'Text', resourceId: 1 })) as unknown[];
    expect(reference).toHaveLength(3);
    expect(reference[1]).toEqual({
      type: 'resource',
      uri: 'demo://resource/dynamic/text/1',
      mimeType: 'text/plain',
      text: expect.stringMatching(/^Resource 1: /),
    });
  });
});
