/**
 * Which transport createTransport builds for an entry with `"sdkTransport": true`: the SDK's own HTTP transports, and
 * for stdio the SDK's sends and line reader under mcpo's handling of the child. test/e2e/sdkTransport.test.ts calls
 * tools through them.
 */
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ReadBuffer } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteEntry, StdioEntry } from '../../src/config/types.js';
import { StreamableHttpTransport } from '../../src/mcp/http/streamableHttpTransport.js';
import { stdioReadBuffer } from '../../src/mcp/sdkInternals.js';
import { BatchingStdioTransport } from '../../src/mcp/stdioTransport.js';
import { createTransport } from '../../src/mcp/transport.js';
import { DEMO_SERVER } from './fixtures.js';

const context = { parentEnv: process.env };
const stdio = (sdkTransport?: boolean): StdioEntry => ({ name: 's', kind: 'stdio', command: process.execPath, args: [DEMO_SERVER], env: {}, inheritEnv: true, disabledTools: [], sdkTransport });
const remote = (sdkTransport?: boolean): RemoteEntry => ({ name: 'r', kind: 'auto', url: 'http://127.0.0.1:9/mcp', headers: {}, disabledTools: [], sdkTransport });

const started: BatchingStdioTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.close()));
});

describe('createTransport', () => {
  it("gives a stdio entry with sdkTransport the SDK's sends and line reader, keeping mcpo's handling of the child", async () => {
    const [sdk, ours] = [createTransport(stdio(true), 'stdio', context), createTransport(stdio(), 'stdio', context)] as BatchingStdioTransport[];
    started.push(sdk!, ours!);
    await Promise.all([sdk!.start(), ours!.start()]);
    expect({ batching: sdk!.batching, quickReads: sdk!.quickReads, buffer: stdioReadBuffer(sdk!) instanceof ReadBuffer }).toEqual({ batching: false, quickReads: false, buffer: true });
    expect({ batching: ours!.batching, quickReads: ours!.quickReads }).toEqual({ batching: true, quickReads: true });
  });

  it("gives a remote entry with sdkTransport the SDK's StreamableHTTPClientTransport or SSEClientTransport", () => {
    expect(createTransport(remote(true), 'streamable-http', context)).toBeInstanceOf(StreamableHTTPClientTransport);
    expect(createTransport(remote(true), 'sse', context)).toBeInstanceOf(SSEClientTransport);
    expect(createTransport(remote(), 'streamable-http', context)).toBeInstanceOf(StreamableHttpTransport);
  });
});
