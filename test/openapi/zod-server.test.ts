/**
 * Tools declared with zod on a real McpServer, listed by a real Client over an in-memory transport:
 * the schemas the SDK really emits (draft-07, definitions, recursive refs, anyOf with null) must give a
 * valid document and validation that agrees with zod itself, the server's own validator.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildRootDocument, buildServerDocument } from '../../src/openapi/document.js';
import { mapToolResult } from '../../src/openapi/result.js';
import type { ServerCatalog } from '../../src/openapi/catalog.js';
import {
  INFO,
  catalogOf,
  documentSchemaValidator,
  expectValidOpenApi,
  requestSchema,
  responseSchema,
} from './support/openapi.js';

interface TreeNode {
  name: string;
  children: TreeNode[];
}
const Tree: z.ZodType<TreeNode> = z.object({
  name: z.string().min(1),
  get children() {
    return z.array(Tree);
  },
});
interface Link {
  value: number;
  next: Link | null;
}
const LinkedList: z.ZodType<Link> = z.lazy(() => z.object({ value: z.number().int(), next: LinkedList.nullable() }));
const Address = z.object({ street: z.string(), zip: z.string().regex(/^\d{5}$/) });

const plantShape = {
  tree: Tree,
  list: LinkedList.nullable().optional(),
  shape: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('circle'), radius: z.number().positive() }),
    z.object({ kind: z.literal('square'), side: z.number().int().min(0) }),
  ]),
  nickname: z.string().nullable(),
  color: z.enum(['red', 'green', 'blue']).default('red'),
  home: Address,
  work: Address.optional(),
  email: z.email().optional(),
  tags: z.array(z.string()).max(3).optional(),
};
const measureOutput = { temperature: z.number(), unit: z.enum(['C', 'F']), history: z.array(z.number()).optional() };

function connectedClient(server: McpServer | Server): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'mcpo-test', version: '1.0.0' });
  return server.connect(serverSide).then(() => client.connect(clientSide).then(() => client));
}

describe('tools registered with zod on a real McpServer', () => {
  let client: Client;
  let catalog: ServerCatalog;

  beforeAll(async () => {
    const server = new McpServer({ name: 'garden', version: '1.0.0' });
    server.registerTool(
      'plant',
      { title: 'Plant a tree', description: 'Plants a tree', inputSchema: plantShape },
      async (args) => ({ content: [{ type: 'text', text: JSON.stringify({ planted: args.tree.name }) }] }),
    );
    server.registerTool(
      'measure',
      { description: 'Measures', inputSchema: { city: z.string() }, outputSchema: measureOutput, annotations: { readOnlyHint: true } },
      async ({ city }) => {
        const structuredContent = { temperature: city.length, unit: 'C' as const };
        return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
      },
    );
    client = await connectedClient(server);
    catalog = catalogOf('garden', (await client.listTools()).tools);
  });
  afterAll(() => client?.close());

  it('compiles every tool and produces valid server and root documents', async () => {
    expect([...catalog.tools.values()].map((t) => [t.name, typeof t.validate])).toEqual([
      ['plant', 'function'],
      ['measure', 'function'],
    ]);
    await expectValidOpenApi(buildServerDocument(catalog, { info: INFO, serverUrl: '/garden' }));
    await expectValidOpenApi(buildRootDocument([catalog, catalogOf('other', [])], { info: INFO, serverUrl: '/' }));
  });

  const base = { tree: { name: 'oak', children: [] }, shape: { kind: 'circle', radius: 1 }, nickname: null, home: { street: 'Main', zip: '12345' } };
  const bodies: unknown[] = [
    base,
    { ...base, tree: { name: 'oak', children: [{ name: 'twig', children: [{ name: 'leaf', children: [] }] }] } },
    { ...base, list: { value: 1, next: { value: 2, next: null } } },
    { ...base, list: null, color: 'blue', work: { street: 'Side', zip: '54321' }, email: 'a@example.com', tags: ['x'] },
    { ...base, shape: { kind: 'square', side: 0 }, unknownKey: 'zod strips it, the schema allows it' },
    { ...base, tree: { name: 'oak', children: [{ name: '', children: [] }] } },
    { ...base, tree: { name: 'oak' } },
    { ...base, list: { value: 1.5, next: null } },
    { ...base, list: { value: 1, next: { value: 'two', next: null } } },
    { ...base, shape: { kind: 'square', side: -1 } },
    { ...base, shape: { kind: 'triangle', side: 1 } },
    { ...base, shape: { kind: 'circle', radius: 0 } },
    { ...base, nickname: undefined },
    { ...base, nickname: 5 },
    { ...base, color: 'purple' },
    { ...base, home: { street: 'Main', zip: '1234' } },
    { ...base, email: 'not an email' },
    { ...base, tags: ['a', 'b', 'c', 'd'] },
    { ...base, tree: { name: 'oak', children: [] }, shape: undefined },
  ].map((b) => JSON.parse(JSON.stringify(b)));

  it('accepts and rejects exactly what zod accepts and rejects, and so does the document', () => {
    const validate = catalog.tools.get('plant')!.validate!;
    const doc = buildServerDocument(catalog, { info: INFO, serverUrl: '/garden' });
    const documented = documentSchemaValidator(doc, requestSchema(doc, '/plant'));
    const zodSchema = z.object(plantShape);
    let rejected = 0;
    for (const body of bodies) {
      const expected = zodSchema.safeParse(body).success;
      if (!expected) rejected++;
      expect(validate(body).length === 0, `validator on ${JSON.stringify(body)}`).toBe(expected);
      expect(documented(body), `document on ${JSON.stringify(body)}`).toBe(expected);
    }
    expect(rejected).toBeGreaterThanOrEqual(10); // the fixture list really exercises rejection
  });

  it('explains a wrong discriminated-union variant and a bad nested value precisely', () => {
    const validate = catalog.tools.get('plant')!.validate!;
    expect(validate({ ...base, shape: { kind: 'square', side: -1 } })).toEqual([
      { path: '/shape/side', message: 'Must be greater than or equal to 0.' },
    ]);
    expect(validate({ ...base, list: { value: 1, next: { value: 'two', next: null } } })).toEqual([
      { path: '/list/next/value', message: 'Must be integer, but got string "two".' },
    ]);
  });

  it('serves structuredContent as a body the documented output schema accepts', async () => {
    const doc = buildServerDocument(catalog, { info: INFO, serverUrl: '/garden' });
    const result = (await client.callTool({ name: 'measure', arguments: { city: 'Paris' } })) as CallToolResult;
    const body = mapToolResult(result);
    expect(body).toEqual({ temperature: 5, unit: 'C' });
    expect(documentSchemaValidator(doc, responseSchema(doc, '/measure'))(body)).toBe(true);
    expect(documentSchemaValidator(doc, responseSchema(doc, '/measure'))({ temperature: 5, unit: 'K' })).toBe(false);
  });
});

describe('arguments passed upstream', () => {
  it('reach the server exactly as the client sent them: validation inserts no defaults', async () => {
    const server = new Server({ name: 'echo', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [
        {
          name: 'echo_args',
          inputSchema: {
            type: 'object',
            properties: {
              limit: { type: 'integer', default: 10 },
              filter: { type: 'object', properties: { archived: { type: 'boolean', default: false } } },
              cursor: { type: ['string', 'null'] },
            },
          },
        },
      ],
    }));
    // The raw arguments as received, before any server-side parsing.
    server.setRequestHandler(CallToolRequestSchema, async (request) => ({
      content: [{ type: 'text', text: JSON.stringify(request.params.arguments ?? null) }],
    }));
    const client = await connectedClient(server);
    try {
      const catalog = catalogOf('echo', (await client.listTools()).tools);
      const args = { filter: {}, cursor: null, extra: 'kept' };
      const sent = JSON.stringify(args);
      expect(catalog.tools.get('echo_args')!.validate!(args)).toEqual([]);
      const result = (await client.callTool({ name: 'echo_args', arguments: args })) as CallToolResult;
      expect(JSON.stringify(mapToolResult(result))).toBe(sent);
    } finally {
      await client.close();
    }
  });
});
