// The start-up baseline: a bare Hono server with one health route on @hono/node-server, as plain JavaScript
// (mcpo runs as built JavaScript too, so neither pays for a TypeScript loader). Listens on 127.0.0.1 at the
// port given as the first argument; GET /healthz answers 200. Stops on SIGTERM.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok', servers: {} }));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.argv[2]) });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
