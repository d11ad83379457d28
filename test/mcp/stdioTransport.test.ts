/**
 * BatchingStdioTransport (src/mcp/stdioTransport.ts) against a real child process: messages sent in one
 * event-loop turn must reach the child in one read, and nothing may be held back or reordered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { stdioChild } from '../../src/mcp/sdkInternals.js';
import { BatchingStdioTransport } from '../../src/mcp/stdioTransport.js';

// Answers every chunk it reads from stdin with one notification: how many lines, and their ids in order.
const CHILD = `
let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  const ids = lines.filter(Boolean).map((line) => JSON.parse(line).id);
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'chunk', params: { ids } }) + '\\n');
});`;

let transport: BatchingStdioTransport | undefined;
afterEach(async () => {
  await transport?.close();
  transport = undefined;
});

async function started(): Promise<{ transport: BatchingStdioTransport; chunks: number[][] }> {
  const chunks: number[][] = [];
  const t = new BatchingStdioTransport({ command: process.execPath, args: ['-e', CHILD], stderr: 'inherit' });
  t.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && message.method === 'chunk') chunks.push((message.params as { ids: number[] }).ids);
  };
  await t.start();
  transport = t;
  return { transport: t, chunks };
}

const ping = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'ping' });

describe('BatchingStdioTransport', () => {
  it('reaches the child through the SDK transport it extends (the batching is in use)', async () => {
    const { transport: t } = await started();
    expect(t.batching).toBe(true);
  });

  it('holds the messages sent in one event-loop turn and writes them together once its I/O is done', async () => {
    const { transport: t, chunks } = await started();
    // Two callbacks of one turn, the first busy long enough for the child to read an unbatched write.
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        void t.send(ping(1));
        const until = performance.now() + 200;
        while (performance.now() < until);
      });
      setImmediate(() => {
        void t.send(ping(2));
        resolve();
      });
    });
    await expect.poll(() => chunks.flat()).toEqual([1, 2]);
    expect(chunks).toEqual([[1, 2]]);
  });

  it('keeps the order of many messages sent at once', async () => {
    const { transport: t, chunks } = await started();
    const ids = Array.from({ length: 50 }, (_, i) => i + 1);
    await Promise.all(ids.map((id) => t.send(ping(id))));
    await expect.poll(() => chunks.flat()).toEqual(ids);
  });

  it('still sends a lone message without waiting for another, and turns after it as their own writes', async () => {
    const { transport: t, chunks } = await started();
    await t.send(ping(1));
    await expect.poll(() => chunks).toEqual([[1]]);
    await t.send(ping(2));
    await expect.poll(() => chunks).toEqual([[1], [2]]);
  });

  it('sends a message larger than the pipe buffer whole (backpressure while corked resolves)', async () => {
    const { transport: t, chunks } = await started();
    const big: JSONRPCMessage = { jsonrpc: '2.0', id: 7, method: 'ping', params: { pad: 'x'.repeat(300_000) } };
    await Promise.all([t.send(big), t.send(ping(8))]);
    await expect.poll(() => chunks.flat()).toEqual([7, 8]);
  });

  it('sends a turn of messages larger than the pipe high-water mark without a drain listener per message (no MaxListenersExceededWarning)', async () => {
    // Regression: held back by the cork, a busy turn filled the stdin buffer past its 16 KiB mark, so the SDK's
    // send() added one 'drain' listener per further message and Node printed the warning to mcpo's stderr.
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const { transport: t, chunks } = await started();
      const ids = Array.from({ length: 200 }, (_, i) => i + 1);
      const call = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x'.repeat(200) } } });
      await Promise.all(ids.map((id) => t.send(call(id))));
      await expect.poll(() => chunks.flat()).toEqual(ids);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('does not leave a send waiting forever when the child goes away with the message still buffered', async () => {
    const { transport: t } = await started();
    const stdin = stdioChild(t)!.stdin!;
    // More than the high-water mark in one turn, so the last send waits for the buffer to drain; the pipe then closes.
    const sends = Array.from({ length: 40 }, (_, i) => t.send({ jsonrpc: '2.0', id: i, method: 'ping', params: { pad: 'x'.repeat(1000) } }));
    stdin.destroy();
    const settled = await Promise.race([Promise.allSettled(sends).then(() => 'settled'), new Promise((resolve) => setTimeout(() => resolve('pending'), 1000))]);
    expect(settled).toBe('settled');
  });
});

describe('closing BatchingStdioTransport', () => {
  // Deaf to its stdin closing and to SIGTERM: only SIGKILL ends it.
  const DEAF = "process.on('SIGTERM', () => process.stderr.write('ignored SIGTERM\\n')); setInterval(() => {}, 60_000); process.stdin.resume();";

  it('ends a child deaf to stdin closing and SIGTERM within DEFAULT_CLOSE_STEPS (SIGKILL at 1 s; the SDK alone takes 4 s)', async () => {
    const t = new BatchingStdioTransport({ command: process.execPath, args: ['-e', DEAF], stderr: 'pipe' });
    let stderr = '';
    t.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await t.start();
    const started = performance.now();
    await t.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(t.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stderr).toContain('ignored SIGTERM');
  });
});
