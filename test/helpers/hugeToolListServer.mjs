// A streamable-HTTP MCP server whose one tools/list page is enormous: `--bytes N` of tiny tools (~50 bytes each,
// distinct names) in one JSON-RPC answer, as an SSE event (`--mode sse`, the default) or a JSON body (`--mode json`).
// Issue #14, item 3: such a page inside the 256 MiB event bound stalled every route of mcpo while it was parsed.
//
// Written on node:http without the SDK, so the page is generated as it is sent, with backpressure: the server
// never holds it, and it counts the bytes the client took before it closed the connection (the socket buffers on
// both sides included). Everything else is what a minimal server answers: initialize, 202 to notifications, 405
// to the GET stream, {} to ping, 200 to DELETE.
//
// `GET /stats` answers {"lists": [{"at": ms since epoch, "sent": bytes, "complete": bool}, …]}, one per
// tools/list, updated when its answer ends or is cut. Prints `listening PORT` on stdout once it listens.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { mode: { type: 'string', default: 'sse' }, bytes: { type: 'string', default: String(200 * 1024 * 1024) }, port: { type: 'string', default: '0' } },
});
const mode = values.mode;
const pageBytes = Number(values.bytes);
const lists = [];

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'mcp-session-id': res.sessionId }).end(JSON.stringify(body));
}

/** Writes the page for request `id` with backpressure, counting what the socket took, until it is done or cut. */
function sendPage(res, id) {
  const record = { at: Date.now(), sent: 0, complete: false };
  lists.push(record);
  const head = `${mode === 'sse' ? 'event: message\ndata: ' : ''}{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"tools":[`;
  const tail = `]}}${mode === 'sse' ? '\n\n' : ''}`;
  res.writeHead(200, { 'content-type': mode === 'sse' ? 'text/event-stream' : 'application/json', 'mcp-session-id': res.sessionId });
  let n = 0;
  let closed = false;
  const write = (text) => {
    record.sent += Buffer.byteLength(text);
    return res.write(text);
  };
  res.on('close', () => (closed = true));
  write(head);
  const pump = () => {
    while (!closed) {
      if (record.sent >= pageBytes) {
        res.end(tail, () => (record.complete = true));
        record.sent += tail.length;
        return;
      }
      // ~64 KiB of tools per write.
      const tools = [];
      for (let size = 0; size < 65_536; n++) {
        const tool = `${n === 0 ? '' : ','}{"name":"t${n}","inputSchema":{"type":"object"}}`;
        tools.push(tool);
        size += tool.length;
      }
      if (!write(tools.join(''))) return void res.once('drain', pump);
    }
  };
  pump();
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const http = createServer(async (req, res) => {
  res.sessionId = req.headers['mcp-session-id'] ?? randomUUID();
  if (req.method === 'GET' && req.url === '/stats') return json(res, 200, { lists });
  if (req.method === 'GET') return void res.writeHead(405, { allow: 'POST, DELETE' }).end();
  if (req.method === 'DELETE') return void res.writeHead(200).end();
  const message = await readJson(req);
  if (!('id' in message)) return void res.writeHead(202).end();
  switch (message.method) {
    case 'initialize':
      return json(res, 200, {
        jsonrpc: '2.0',
        id: message.id,
        result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'huge-tool-list', version: '1.0.0' } },
      });
    case 'tools/list':
      return sendPage(res, message.id);
    case 'ping':
      return json(res, 200, { jsonrpc: '2.0', id: message.id, result: {} });
    default:
      return json(res, 200, { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
  }
});
http.listen(Number(values.port), '127.0.0.1', () => console.log(`listening ${http.address().port}`));
