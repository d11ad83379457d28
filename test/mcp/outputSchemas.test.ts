/**
 * mcpo passes tool results through as they are (session.ts calls tools/call with client.request), so the SDK Client's
 * own output-schema validators are not used. Regression: the Client compiled every tool's outputSchema when the tools
 * were listed, and one that ajv cannot compile (a dangling $ref) made listing throw, so the whole server never connected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

/** A real SDK server (low-level, raw JSON Schemas) over stdio, run by `node --input-type=module -e`. */
const SERVER = `
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
const server = new Server({ name: 'odd-output', version: '1' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [
  { name: 'good', inputSchema: { type: 'object' } },
  { name: 'odd', inputSchema: { type: 'object' }, outputSchema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } } },
] }));
server.setRequestHandler(CallToolRequestSchema, async (request) => ({ content: [{ type: 'text', text: request.params.name }] }));
await server.connect(new StdioServerTransport());
`;

describe('tools whose outputSchema does not compile', () => {
  it('do not keep the server from connecting; its tools are listed and callable', async () => {
    const { m } = testManager(managers, {});
    m.start([demoEntry({ name: 'odd', args: ['--input-type=module', '-e', SERVER], cwd: process.cwd() })]);
    await m.settled();
    const session = m.get('odd')!;
    expect(session.status()).toMatchObject({ state: 'connected' });
    expect(session.tools().map((t) => t.name)).toEqual(['good', 'odd']);
    expect((await session.callTool('odd', {})).content).toEqual([{ type: 'text', text: 'odd' }]);
  });
});
