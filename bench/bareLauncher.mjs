// The scale floor's launcher, a process of its own (plain JavaScript, no SDK): started as
// `node bareLauncher.mjs '<json>'` with { count, command, args, cwd }, it spawns `count` copies of the stdio
// server at once, has each answer `initialize` and `tools/list` over raw JSON-RPC lines, and prints
// {"ok":true} once every copy has listed its tools (or {"ok":false,"error":…}), then ends them and exits.
import { spawn } from 'node:child_process';

const TIMEOUT_MS = 60_000;
const line = (message) => JSON.stringify(message) + '\n';

function startOne({ command, args, cwd }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => finish(new Error(`no tools/list answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    let buffered = '';
    const finish = (error) => {
      clearTimeout(timer);
      if (error) {
        child.kill();
        reject(error);
      } else resolve(child);
    };
    child.once('error', finish);
    child.once('exit', (code) => finish(new Error(`server exited (${code}) before answering tools/list`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const message = JSON.parse(buffered.slice(0, newline));
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

const job = JSON.parse(process.argv[2]);
const started = Array.from({ length: job.count }, () => startOne(job));
Promise.all(started).then(
  (children) => {
    process.stdout.write(line({ ok: true }));
    for (const child of children) child.kill();
  },
  (error) => {
    process.stdout.write(line({ ok: false, error: String(error?.message ?? error) }));
    process.exitCode = 1;
    for (const p of started) p.then((child) => child.kill(), () => {});
  },
);
