// A stdio MCP server (the real SDK's low-level Server) whose tools/list attacks its client, as issue #14 item 3
// describes. The mode is argv[2]:
//   endless-pages    every page holds 50 tools of ~20 KB each and a new nextCursor, for ever (~1 MiB a page)
//   repeated-cursor  every page holds one tool and the same nextCursor
//   many-pages       every page holds one tool and a new nextCursor, for ever (tiny pages)
//   many-tools       one page of 20 tools
//   huge-page        one page of ~4 MiB: 80,000 tiny tools (a tools/list answer past a low maxToolListBytes)
//   well-behaved     one page with the `turn` and `stats` tools (the starting point of the refresh attacks)
// Whatever the mode, `turn` (arguments {"to": MODE, "notifications": N}) switches this process to MODE and sends N
// notifications/tools/list_changed; `stats` answers how many tools/list requests came so far.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

let mode = process.argv[2] ?? 'well-behaved';
let lists = 0;

const OBJECT = { type: 'object' };
const controls = [
  { name: 'turn', inputSchema: { type: 'object', properties: { to: { type: 'string' }, notifications: { type: 'integer' } } } },
  { name: 'stats', inputSchema: OBJECT },
];
const padding = 'x'.repeat(20_000);

function page(cursor) {
  const n = cursor === undefined ? 0 : Number(cursor.slice(1));
  switch (mode) {
    case 'endless-pages':
      return { tools: Array.from({ length: 50 }, (_, i) => ({ name: `t${n}_${i}`, description: padding, inputSchema: OBJECT })), nextCursor: `c${n + 1}` };
    case 'repeated-cursor':
      return { tools: [{ name: `t${n}`, inputSchema: OBJECT }], nextCursor: 'c1' };
    case 'many-pages':
      return { tools: [{ name: `t${n}`, inputSchema: OBJECT }], nextCursor: `c${n + 1}` };
    case 'many-tools':
      return { tools: Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, inputSchema: OBJECT })) };
    case 'huge-page':
      return { tools: Array.from({ length: 80_000 }, (_, i) => ({ name: `t${i}`, inputSchema: OBJECT })) };
    case 'silent':
      return new Promise(() => {});
    default:
      return { tools: controls };
  }
}

const server = new Server({ name: 'hostile-tools', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
server.setRequestHandler(ListToolsRequestSchema, async (request) => {
  lists++;
  return page(request.params?.cursor);
});
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  if (request.params.name === 'turn') {
    const { to, notifications = 1 } = request.params.arguments ?? {};
    mode = to ?? mode;
    for (let i = 0; i < notifications; i++) void server.sendToolListChanged();
    return { content: [{ type: 'text', text: 'turned' }] };
  }
  return { content: [{ type: 'text', text: JSON.stringify({ lists }) }] };
});
await server.connect(new StdioServerTransport());
