/**
 * The tools every benchmark MCP server offers, over stdio and streamable HTTP alike:
 * - `echo`: returns its message (the same contract as examples/stdio-demo's echo);
 * - `ingest`: a large input schema (nested $defs with $ref chains, enums, 50 top-level properties)
 *   meant to be called with a ~100 KB body, so validation and JSON handling costs show up.
 * Raw JSON Schemas on the low-level Server: the server itself validates nothing, so every validation
 * cost measured is the proxy's.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';

/** Target size of the `ingest` request body. */
export const LARGE_PAYLOAD_BYTES = 100 * 1024;

const COUNTRIES = ['AT', 'BE', 'CH', 'CZ', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'GR', 'IE', 'IT', 'LU', 'NL', 'NO', 'PL', 'PT', 'SE', 'US'];
const KINDS = ['order', 'refund', 'invoice', 'shipment', 'note'];

const DEFS = {
  Priority: { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] },
  Status: { type: 'string', enum: ['draft', 'open', 'pending', 'closed', 'archived'] },
  Geo: {
    type: 'object',
    properties: {
      lat: { type: 'number', minimum: -90, maximum: 90 },
      lon: { type: 'number', minimum: -180, maximum: 180 },
      accuracy: { type: 'string', enum: ['exact', 'street', 'city', 'region'] },
    },
    required: ['lat', 'lon'],
    additionalProperties: false,
  },
  Address: {
    type: 'object',
    properties: {
      street: { type: 'string', maxLength: 200 },
      city: { type: 'string', minLength: 1, maxLength: 100 },
      zip: { type: 'string', pattern: '^[0-9A-Z -]{3,10}$' },
      country: { type: 'string', enum: COUNTRIES },
      geo: { $ref: '#/$defs/Geo' },
    },
    required: ['city', 'country'],
    additionalProperties: false,
  },
  Contact: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 120 },
      email: { type: 'string', format: 'email' },
      phone: { type: ['string', 'null'], pattern: '^\\+?[0-9 ]{5,20}$' },
      address: { $ref: '#/$defs/Address' },
      tags: { type: 'array', items: { type: 'string', enum: ['vip', 'new', 'wholesale', 'retail', 'blocked'] }, uniqueItems: true },
    },
    required: ['name', 'address'],
    additionalProperties: false,
  },
  Record: {
    type: 'object',
    properties: {
      id: { type: 'integer', minimum: 1 },
      kind: { type: 'string', enum: KINDS },
      priority: { $ref: '#/$defs/Priority' },
      contact: { $ref: '#/$defs/Contact' },
      amounts: { type: 'array', items: { type: 'number', minimum: 0 }, maxItems: 16 },
      note: { type: ['string', 'null'], maxLength: 500 },
    },
    required: ['id', 'kind', 'contact'],
    additionalProperties: false,
  },
};

/** 50 top-level properties: four structured ones, then 46 scalars of varied types and constraints. */
function ingestProperties(): Record<string, object> {
  const properties: Record<string, object> = {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    status: { $ref: '#/$defs/Status' },
    owner: { $ref: '#/$defs/Contact' },
    records: { type: 'array', items: { $ref: '#/$defs/Record' }, maxItems: 10000 },
  };
  const shapes = [
    { type: 'string', maxLength: 64 },
    { type: 'integer', minimum: 0, maximum: 1_000_000 },
    { type: 'boolean' },
    { type: 'string', enum: ['alpha', 'beta', 'gamma', 'delta'] },
    { type: 'number', exclusiveMinimum: 0 },
    { type: ['string', 'null'] },
  ];
  for (let i = 1; i <= 46; i++) properties[`field${String(i).padStart(2, '0')}`] = shapes[i % shapes.length]!;
  return properties;
}

export const BENCH_TOOLS: Tool[] = [
  {
    name: 'echo',
    description: 'Returns the message it is given.',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  },
  {
    name: 'ingest',
    description: 'Accepts a large structured document and answers with a short summary.',
    inputSchema: { type: 'object', $defs: DEFS, properties: ingestProperties(), required: ['title', 'status', 'owner', 'records'], additionalProperties: false },
  },
];

function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** Runs a benchmark tool. */
export function callBenchTool(name: string, args: Record<string, unknown>): CallToolResult {
  if (name === 'echo') return text(String(args.message));
  if (name === 'ingest') {
    const records = Array.isArray(args.records) ? args.records.length : 0;
    return text(`ingested ${records} records, ${Object.keys(args).length} fields`);
  }
  return { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
}

/** Installs the benchmark tools on a low-level SDK Server. */
export function installBenchTools(server: Server): void {
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: BENCH_TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => callBenchTool(request.params.name, request.params.arguments ?? {}));
}

function contact(i: number): Record<string, unknown> {
  return {
    name: `Customer ${i}`,
    email: `customer${i}@example.com`,
    phone: i % 3 === 0 ? null : `+49 30 ${1000000 + i}`,
    address: {
      street: `${i} Long Benchmark Street`,
      city: 'Berlin',
      zip: `${10000 + (i % 9000)}`,
      country: COUNTRIES[i % COUNTRIES.length],
      geo: { lat: 52.52 + (i % 100) / 1000, lon: 13.4 + (i % 100) / 1000, accuracy: 'street' },
    },
    tags: i % 2 ? ['vip', 'retail'] : ['new'],
  };
}

/** Arguments for `ingest` that satisfy its schema and serialise to at least LARGE_PAYLOAD_BYTES. */
export function largeIngestArguments(bytes = LARGE_PAYLOAD_BYTES): Record<string, unknown> {
  const args: Record<string, unknown> = { title: 'Benchmark batch', status: 'open', owner: contact(0), records: [] };
  const shapes: unknown[] = ['some text', 4242, true, 'gamma', 3.14, null];
  for (let i = 1; i <= 46; i++) args[`field${String(i).padStart(2, '0')}`] = shapes[i % shapes.length];
  const records = args.records as unknown[];
  let size = JSON.stringify(args).length;
  for (let i = 1; size < bytes; i++) {
    const record = { id: i, kind: KINDS[i % KINDS.length], priority: 'normal', contact: contact(i), amounts: [i, i / 2, 19.99], note: i % 4 ? `note ${i}` : null };
    records.push(record);
    size += JSON.stringify(record).length + 1;
  }
  return args;
}

/** What a scenario sends: the tool and its arguments. */
export type WorkloadName = 'echo' | 'large';

export interface Workload {
  tool: string;
  arguments: Record<string, unknown>;
}

/** Builds a workload's arguments (the large one is generated, ~100 KB). */
export function workload(name: WorkloadName): Workload {
  return name === 'echo' ? { tool: 'echo', arguments: { message: 'hello, mcpo' } } : { tool: 'ingest', arguments: largeIngestArguments() };
}
