#!/usr/bin/env node
// A small stdio MCP server for trying mcpo offline (config.example.json starts it) and for mcpo's own
// tests. Its tool schemas use what the Python mcpo loses: enums, oneOf, $defs/$ref, nullable types,
// and structured output with an outputSchema.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const TOOLS = [
  {
    name: 'echo',
    title: 'Echo',
    description: 'Returns the message it is given.',
    inputSchema: { type: 'object', properties: { message: { type: 'string', description: 'Text to echo' } }, required: ['message'] },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'add',
    title: 'Add two integers',
    description: 'Adds a and b.',
    inputSchema: {
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'integer' } },
      required: ['a', 'b'],
      additionalProperties: false,
    },
    outputSchema: { type: 'object', properties: { sum: { type: 'integer' } }, required: ['sum'] },
  },
  {
    name: 'convert_temperature',
    description: 'Converts a temperature between units.',
    inputSchema: {
      type: 'object',
      $defs: {
        Unit: { type: 'string', enum: ['celsius', 'fahrenheit', 'kelvin'], description: 'A temperature unit' },
      },
      properties: {
        value: { type: 'number' },
        from: { $ref: '#/$defs/Unit' },
        to: { $ref: '#/$defs/Unit' },
        precision: { type: ['integer', 'null'], minimum: 0, maximum: 6, default: null },
      },
      required: ['value', 'from', 'to'],
    },
    outputSchema: {
      type: 'object',
      properties: { value: { type: 'number' }, unit: { type: 'string' } },
      required: ['value', 'unit'],
    },
  },
  {
    name: 'describe_shape',
    description: 'Computes the area of a circle or a rectangle.',
    inputSchema: {
      type: 'object',
      properties: {
        shape: {
          oneOf: [
            { type: 'object', properties: { kind: { const: 'circle' }, radius: { type: 'number', exclusiveMinimum: 0 } }, required: ['kind', 'radius'] },
            {
              type: 'object',
              properties: { kind: { const: 'rectangle' }, width: { type: 'number', minimum: 0 }, height: { type: 'number', minimum: 0 } },
              required: ['kind', 'width', 'height'],
            },
          ],
        },
      },
      required: ['shape'],
    },
  },
  {
    name: 'fail',
    description: 'Always reports a tool error (isError: true).',
    inputSchema: { type: 'object', properties: { reason: { type: 'string' } } },
  },
  {
    name: 'sleep',
    description: 'Waits for ms milliseconds, then answers. Honours cancellation.',
    inputSchema: { type: 'object', properties: { ms: { type: 'integer', minimum: 0, maximum: 600000 } }, required: ['ms'] },
  },
  {
    name: 'now',
    description: 'The current time as an ISO 8601 string (no parameters).',
    inputSchema: { type: 'object', properties: {} },
  },
];

const CONVERT = {
  celsius: { toK: (v) => v + 273.15, fromK: (k) => k - 273.15 },
  fahrenheit: { toK: (v) => ((v - 32) * 5) / 9 + 273.15, fromK: (k) => ((k - 273.15) * 9) / 5 + 32 },
  kelvin: { toK: (v) => v, fromK: (k) => k },
};

const text = (value) => ({ content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) }] });

async function call(name, args, signal) {
  switch (name) {
    case 'echo':
      return text(args.message);
    case 'add': {
      const sum = args.a + args.b;
      return { ...text({ sum }), structuredContent: { sum } };
    }
    case 'convert_temperature': {
      const kelvin = CONVERT[args.from].toK(args.value);
      let value = CONVERT[args.to].fromK(kelvin);
      if (typeof args.precision === 'number') value = Number(value.toFixed(args.precision));
      const result = { value, unit: args.to };
      return { ...text(result), structuredContent: result };
    }
    case 'describe_shape': {
      const s = args.shape;
      const area = s.kind === 'circle' ? Math.PI * s.radius ** 2 : s.width * s.height;
      return text({ kind: s.kind, area });
    }
    case 'fail':
      return { content: [{ type: 'text', text: `failed on purpose${args.reason ? `: ${args.reason}` : ''}` }], isError: true };
    case 'sleep':
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, args.ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          process.stderr.write(`sleep cancelled after abort\n`);
          reject(new Error('cancelled'));
        });
      });
      return text(`slept ${args.ms} ms`);
    case 'now':
      return text(new Date().toISOString());
    default:
      throw new Error(`unknown tool ${name}`);
  }
}

const server = new Server({ name: 'mcpo-stdio-demo', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
  call(request.params.name, request.params.arguments ?? {}, extra.signal),
);
await server.connect(new StdioServerTransport());
