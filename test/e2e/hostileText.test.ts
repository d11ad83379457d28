/**
 * Text a hostile server controls goes through secret redaction before it reaches logs, /healthz and bodies;
 * it must never hold the event loop (issue #14, item 1: a 12,000-character stderr line blocked every route 47 s).
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { run, type Running } from '../../src/run.js';
import { capturingLogger } from '../helpers/logs.js';
import { demoEntry } from '../mcp/fixtures.js';

const REDOS_STDERR_SERVER = fileURLToPath(new URL('../helpers/redosStderrServer.mjs', import.meta.url));

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

describe('hostile text from an upstream server', () => {
  it('a stdio child writing 12,000-character `token.token.…` stderr lines does not block /healthz', async () => {
    const logger = capturingLogger('debug');
    const proxy: Running = await run({
      servers: [demoEntry({ args: [REDOS_STDERR_SERVER] })],
      host: '127.0.0.1',
      port: 0,
      logger,
      parentEnv: process.env,
      info: { title: 'hostile text', version: '1' },
    });
    cleanup.push(() => proxy.close());
    await proxy.manager.settled();
    const stderrLines = () => logger.lines.filter((line) => line.includes('server stderr') && line.includes('token.token.')).length;
    let slowest = 0;
    const until = performance.now() + 1_500;
    while (performance.now() < until || stderrLines() < 2) {
      const start = performance.now();
      const res = await fetch(`${proxy.url}/healthz`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - start);
    }
    expect(stderrLines()).toBeGreaterThanOrEqual(2);
    expect(slowest).toBeLessThan(500);
  });
});
