/** The benchmark MCP server over stdio (run with `node --import tsx`). */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { installBenchTools } from './tools.js';

const server = new Server({ name: 'mcpo-bench-stdio', version: '1.0.0' }, { capabilities: { tools: {} } });
installBenchTools(server);
await server.connect(new StdioServerTransport());
