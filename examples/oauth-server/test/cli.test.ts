import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArgs } from '../cli.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../options.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
});

/** Spawns main.ts through tsx and resolves with the origin from its `Listening on` line. */
function startCli(args: string[]): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^Listening on (http:\/\/\S+)$/m.exec(stdout);
      if (match?.[1]) resolve({ url: match[1], child, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`CLI exited with ${code}: ${stderr}`)));
  });
}

describe('command line', () => {
  it('starts on a free port, prints the URL it bound, serves metadata and logs requests without tokens', async () => {
    const { url, child, stderr } = await startCli(['--port', '0', '--access-token-ttl', '7']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metadata = (await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
    expect(metadata.issuer).toBe(`${url}/`);
    const unauthorized = await fetch(`${url}/mcp`, { method: 'POST', headers: { authorization: 'Bearer secret-looking-token' } });
    expect(unauthorized.status).toBe(401);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr()).toMatch(/GET \/\.well-known\/oauth-authorization-server 200/);
    expect(stderr()).toMatch(/POST \/mcp 401/);
    expect(stderr()).not.toContain('secret-looking-token');
  });
});

describe('parseCliArgs', () => {
  it('applies the documented defaults', () => {
    expect(parseCliArgs([])).toEqual({
      kind: 'serve',
      quiet: false,
      options: {
        port: DEFAULT_PORT,
        host: DEFAULT_HOST,
        accessTokenTtlSeconds: undefined,
        refreshTokenTtlSeconds: undefined,
        autoApprove: false,
        clients: [],
      },
    });
  });

  it('reads every flag, including a pre-registered client', () => {
    const command = parseCliArgs([
      '--port', '9001', '--host', '::1', '--access-token-ttl', '5', '--refresh-token-ttl', '60', '--auto-approve', '--quiet',
      '--client-id', 'cli', '--client-secret', 'pw', '--redirect-uri', 'http://127.0.0.1:1/cb', '--redirect-uri', 'http://localhost:2/cb',
    ]);
    expect(command).toMatchObject({
      kind: 'serve',
      quiet: true,
      options: {
        port: 9001,
        host: '::1',
        accessTokenTtlSeconds: 5,
        refreshTokenTtlSeconds: 60,
        autoApprove: true,
        clients: [{ client_id: 'cli', client_secret: 'pw', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: ['http://127.0.0.1:1/cb', 'http://localhost:2/cb'] }],
      },
    });
  });

  it.each([
    [['--port', 'eighty']],
    [['--port', '70000']],
    [['--access-token-ttl', '0']],
    [['--client-id', 'only-an-id']],
    [['stray-positional']],
  ])('refuses %j as a usage error', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
  });

  it('recognises --help', () => {
    expect(parseCliArgs(['-h'])).toEqual({ kind: 'help' });
  });
});
