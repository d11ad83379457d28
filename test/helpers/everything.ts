/**
 * Starts @modelcontextprotocol/server-everything (a real MCP peer nobody here wrote) as a child process
 * over SSE or streamable HTTP, on 127.0.0.1 and a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const EVERYTHING_ENTRY = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const PRELOAD = fileURLToPath(new URL('./loopback-only.mjs', import.meta.url));

export interface RunningEverything {
  port: number;
  /** Base URL, e.g. http://127.0.0.1:PORT */
  origin: string;
  /** The MCP endpoint for the transport: /mcp or /sse. */
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

export async function startEverything(transport: 'sse' | 'streamableHttp', port = 0): Promise<RunningEverything> {
  const child = spawn(process.execPath, ['--import', PRELOAD, EVERYTHING_ENTRY, transport], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const boundPort = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server-everything did not start: ${seen}`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /LOOPBACK_LISTENING (\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}: ${seen}`)));
  });
  const origin = `http://127.0.0.1:${boundPort}`;
  return {
    port: boundPort,
    origin,
    url: `${origin}${transport === 'sse' ? '/sse' : '/mcp'}`,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
