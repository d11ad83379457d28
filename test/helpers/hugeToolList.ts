/** Runs test/helpers/hugeToolListServer.mjs in its own process (its page costs CPU there, not in the process measured). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./hugeToolListServer.mjs', import.meta.url));

export interface ToolListAnswerSent {
  /** When the tools/list request came (ms since epoch). */
  at: number;
  /** Bytes the client's connection took before it closed or the page ended. */
  sent: number;
  /** Whether the whole page was sent. */
  complete: boolean;
}

export interface HugeToolListServer {
  url: string;
  /** One entry per tools/list request so far. */
  lists(): Promise<ToolListAnswerSent[]>;
  close(): void;
}

export async function startHugeToolListServer(options: { mode: 'sse' | 'json'; bytes: number }): Promise<HugeToolListServer> {
  const child = spawn(process.execPath, [SERVER, '--mode', options.mode, '--bytes', String(options.bytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`hugeToolListServer exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/mcp`,
    lists: async () => ((await (await fetch(`${base}/stats`)).json()) as { lists: ToolListAnswerSent[] }).lists,
    close: () => void child.kill('SIGKILL'),
  };
}
