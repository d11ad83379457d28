/**
 * The floor of the scale scenario: the same stdio servers started at once by a bare launcher (no mcpo,
 * no SDK), each answering `initialize` and `tools/list` over raw JSON-RPC lines. On a machine with few
 * cores, N Node children need N times one child's start-up CPU whatever starts them; mcpo's own cost is
 * its time above this floor.
 */
import { spawn } from 'node:child_process';

export const BARE_TIMEOUT_MS = 60_000;

const line = (message: object) => JSON.stringify(message) + '\n';

function startOne(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => finish(new Error(`no tools/list answer within ${BARE_TIMEOUT_MS} ms`)), BARE_TIMEOUT_MS);
    let buffered = '';
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.kill();
      if (error) reject(error);
      else resolve();
    };
    child.once('error', finish);
    child.once('exit', (code) => finish(new Error(`server exited (${code}) before answering tools/list`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffered.slice(0, newline)) as { id?: number };
        buffered = buffered.slice(newline + 1);
        if (message.id === 1) {
          child.stdin.write(line({ jsonrpc: '2.0', method: 'notifications/initialized' }) + line({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
        } else if (message.id === 2) {
          child.removeAllListeners('exit');
          finish();
        }
      }
    });
    child.stdin.write(line({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcpo-bench-bare', version: '1.0.0' } } }));
  });
}

/** Milliseconds from spawning `count` copies of the server at once until every one has listed its tools. */
export async function bareStartMs(options: { count: number; command: string; args: string[]; cwd: string }): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: options.count }, () => startOne(options.command, options.args, options.cwd)));
  return performance.now() - started;
}
