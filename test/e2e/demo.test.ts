/**
 * `npm run demo` end to end: the demo script runs as a child process, as a user starts it, with
 * --auto-approve (no consent page, nobody to click) and free ports. It must connect mcpo through the real
 * OAuth flow, answer tool calls over REST, and leave nothing behind on Ctrl-C (no process, no socket, no
 * temporary token folder). Also: the three example configs load in mcpo's own loader, silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { STOCK_PRICES } from '../../examples/oauth-server/index.js';
import { createOpenBrowser } from '../../examples/demo/browser.js';
import { startOAuthDemo } from '../../examples/demo/start.js';
import { tokenFileName } from '../../src/oauth/store/paths.js';
import { capturingLogger } from '../helpers/logs.js';
import { processesWith } from '../helpers/processes.js';
import { REPO } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/demo/main.ts');

interface DemoProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const started: DemoProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const demo of started.splice(0)) if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the demo the way `npm run demo` does (node --import tsx), in one process. */
function startDemo(args: string[], env: Record<string, string> = {}): DemoProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO, ...args], {
    cwd: REPO,
    // No display: the demo must not try to open a browser (it follows the redirect itself with --auto-approve).
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const demo = { child, output: () => output, exited };
  started.push(demo);
  return demo;
}

/** Waits for a line of the demo's output matching `pattern`; returns the first capture group. */
async function waitFor(demo: DemoProcess, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  let match: RegExpExecArray | null = null;
  await expect
    .poll(
      () => {
        if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode}:\n${demo.output()}`);
        match = pattern.exec(demo.output());
        return match !== null;
      },
      { timeout: timeoutMs, interval: 50 },
    )
    .toBe(true);
  return match![1]!;
}

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as unknown };
};

const refused = async (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    () => false,
    () => true,
  );

describe('npm run demo', () => {
  it('connects mcpo to the example server through OAuth, serves echo and sum, and leaves nothing behind on Ctrl-C', async () => {
    const marker = mkdtempSync(join(tmpdir(), `mcpo-demo-test-${randomBytes(4).toString('hex')}-`));
    dirs.push(marker);
    // A unique path on the command line: /proc then tells whether this demo's process is still alive.
    const demo = startDemo(['--auto-approve', '--port', '0', '--server-port', '0', '--callback-port', '0', '--config', copyConfig(marker, 'config_oauth.json')]);

    const mcpoUrl = await waitFor(demo, /^mcpo: +(http:\/\/127\.0\.0\.1:\d+)/m);
    const serverUrl = await waitFor(demo, /^Example OAuth server: (http:\/\/127\.0\.0\.1:\d+)/m);
    const workDir = await waitFor(demo, /^Config served: +(\S+)\/config_oauth\.json$/m);
    await expect
      .poll(async () => ((await (await fetch(`${mcpoUrl}/healthz`)).json()) as { servers: Record<string, { state: string }> }).servers.demo?.state, {
        timeout: 15_000,
      })
      .toBe('connected');

    expect(await post(`${mcpoUrl}/demo/echo`, { message: 'hello from the test' })).toEqual({ status: 200, body: { message: 'hello from the test' } });
    expect(await post(`${mcpoUrl}/demo/sum`, { a: 2, b: 40 })).toEqual({ status: 200, body: { result: 42 } });
    // The printed commands are the ones that just worked.
    await waitFor(demo, /(curl -s -X POST \S+\/demo\/sum .*'\{"a":2,"b":3\}')/);
    expect(existsSync(join(workDir, 'home', 'tokens'))).toBe(true);
    expect(await processesWith(marker)).toEqual([demo.child.pid]);

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(await processesWith(marker)).toEqual([]);
    expect(await refused(`${mcpoUrl}/healthz`)).toBe(true);
    expect(await refused(`${serverUrl}/.well-known/oauth-authorization-server`)).toBe(true);
    // The temporary mcpo home with the token file is gone with the demo.
    expect(existsSync(workDir)).toBe(false);
  }, 30_000);

  it('with a pre-registered client and a kept --mcpo-home, steps up for stock_price and keeps the 0600 token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-demo-test-static-'));
    dirs.push(dir);
    const home = join(dir, 'home');
    const secret = randomBytes(16).toString('hex');
    const demo = startDemo(
      ['--auto-approve', '--port', '0', '--server-port', '0', '--callback-port', '0', '--mcpo-home', home, '--config', copyConfig(dir, 'config_oauth.static_client.json')],
      { MCPO_DEMO_CLIENT_SECRET: secret },
    );
    const mcpoUrl = await waitFor(demo, /^mcpo: +(http:\/\/127\.0\.0\.1:\d+)/m);
    const tokenFile = await waitFor(demo, /^Token file \(mode 0600, token values inside\): (\S+)$/m);

    // Needs the finance scope the first login did not ask for: mcpo re-authorizes and the call then succeeds.
    expect(await post(`${mcpoUrl}/demo/stock_price`, { symbol: 'MSFT' })).toEqual({
      status: 200,
      body: { symbol: 'MSFT', price: STOCK_PRICES.MSFT, currency: 'USD' },
    });
    expect(demo.output()).toMatch(/the server asks for more scopes/);
    // The configured client, not a registration (its client_id is checked in the saved file below; the console
    // shows mcpo's login link, not the authorization URL, since issue #14).
    expect(demo.output()).not.toMatch(/POST \/register/);
    expect(demo.output()).not.toContain(secret);

    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(tokenFile, 'utf8')) as { clientIdentity: string; tokens: { scope: string } };
    expect(saved.clientIdentity).toBe('mcpo-demo');
    expect(saved.tokens.scope.split(' ').sort()).toEqual(['tools:execute', 'tools:execute:finance', 'tools:list']);

    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    // A home given on the command line is the user's: kept, tokens included.
    expect(readdirSync(join(home, 'tokens'))).toContain(tokenFile.split('/').pop());
  }, 30_000);
});

describe('the demo started in-process', () => {
  it('removes the token file an earlier run left in a kept --mcpo-home, says so, and authorizes afresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-demo-test-kept-'));
    dirs.push(dir);
    const home = join(dir, 'home');
    const serverPort = await freePort();
    const stale = join(home, 'tokens', tokenFileName(`http://127.0.0.1:${serverPort}/mcp`, 'dynamic'));
    mkdirSync(join(home, 'tokens'), { recursive: true, mode: 0o700 });
    writeFileSync(stale, JSON.stringify({ version: 1, serverUrl: `http://127.0.0.1:${serverPort}/mcp`, client: { client_id: 'from-an-earlier-run', redirect_uris: ['http://127.0.0.1:3030/callback'] } }), { mode: 0o600 });
    const notes: string[] = [];
    const logger = capturingLogger('info');
    const demo = await startOAuthDemo({
      port: 0,
      serverPort,
      callbackPort: 0,
      mcpoHome: home,
      autoApprove: true,
      env: {},
      logger,
      warn: (message) => notes.push(message),
      io: { output: new PassThrough(), input: new PassThrough(), isTTY: false, openBrowser: createOpenBrowser('follow', { output: new PassThrough(), printReason: '' }) },
    });
    try {
      expect(demo.tokenFile('demo')).toBe(stale);
      expect(notes).toEqual([expect.stringContaining(`removed ${stale} from an earlier run`)]);
      await demo.whenState('demo', 'connected', AbortSignal.timeout(10_000));
      const saved = JSON.parse(readFileSync(stale, 'utf8')) as { client: { client_id: string }; tokens?: object };
      expect(saved.client.client_id).not.toBe('from-an-earlier-run');
      expect(saved.tokens).toBeDefined();
    } finally {
      await demo.close();
    }
    expect(existsSync(stale)).toBe(true); // a home given by the user is kept
  }, 20_000);
});

describe('example OAuth configs', () => {
  it.each(['config_oauth.json', 'config_oauth.server_url.json', 'config_oauth.static_client.json'])(
    '%s loads in mcpo without errors or warnings',
    async (name) => {
      const warnings: string[] = [];
      const config = await loadConfig(join(REPO, 'examples', name), { env: { MCPO_DEMO_CLIENT_SECRET: 'from-the-environment' }, warn: (w) => warnings.push(w) });
      expect(warnings).toEqual([]);
      expect(config.servers).toHaveLength(1);
      const [entry] = config.servers;
      expect(entry).toMatchObject({ name: 'demo', kind: 'streamable-http', url: 'http://127.0.0.1:8001/mcp' });
      expect(entry!.kind !== 'stdio' && entry!.oauth).toBeTruthy();
    },
  );

  it('the static-client config takes its secret from the environment, never from the file', async () => {
    const file = join(REPO, 'examples', 'config_oauth.static_client.json');
    await expect(loadConfig(file, { env: {}, warn: () => {} })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const config = await loadConfig(file, { env: { MCPO_DEMO_CLIENT_SECRET: 's3cret' }, warn: () => {} });
    const [entry] = config.servers;
    expect(entry!.kind !== 'stdio' && entry!.oauth).toMatchObject({ clientId: 'mcpo-demo', clientSecret: 's3cret' });
  });
});

/** The demo serves a copy of an example config from `dir`, so the test's unique path is on its command line. */
function copyConfig(dir: string, name: string): string {
  const target = join(dir, name);
  rmSync(target, { force: true });
  writeFileSync(target, readFileSync(join(REPO, 'examples', name)));
  return target;
}

/** A port nothing listens on right now (the demo's example server takes it next). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
