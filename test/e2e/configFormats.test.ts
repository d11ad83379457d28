/**
 * Config files written for other programs (the Python mcpo, VS Code), served by the real CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVERYTHING_ENTRY, startEverything, type RunningEverything } from '../helpers/everything.js';
import { REPO, runMcpo, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const running: McpoProcess[] = [];
const peers: RunningEverything[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

function writeConfig(config: unknown, name = 'config.json'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mcpo-formats-')), name);
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return file;
}

async function start(config: string, env: Record<string, string> = {}): Promise<McpoProcess> {
  const p = await startMcpo(['--config', config, '--port', '0'], { env });
  running.push(p);
  return p;
}

async function toolsOf(url: string, server: string): Promise<string[]> {
  let paths: string[] = [];
  await expect
    .poll(async () => {
      const response = await fetch(`${url}/${server}/openapi.json`);
      paths = response.status === 200 ? Object.keys(((await response.json()) as { paths: object }).paths) : [];
      return paths.length;
    }, { timeout: 15_000 })
    .toBeGreaterThan(0);
  return paths.map((path) => path.slice(1));
}

const call = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a Python mcpo config', () => {
  it('hides the tools of disabled_tools as well as disabledTools', async () => {
    const config = writeConfig({
      mcpServers: {
        snake: { command: 'node', args: [DEMO], disabled_tools: ['add'] },
        both: { command: 'node', args: [DEMO], disabledTools: ['add'], disabled_tools: ['echo'] },
      },
    });
    const mcpo = await start(config);
    const snake = await toolsOf(mcpo.url, 'snake');
    expect(snake).toContain('echo');
    expect(snake).not.toContain('add');
    const both = await toolsOf(mcpo.url, 'both');
    expect(both).toContain('now');
    expect(both).not.toContain('add');
    expect(both).not.toContain('echo');
    expect((await call(`${mcpo.url}/snake/add`, { a: 1, b: 2 })).status).toBe(404);
    expect((await call(`${mcpo.url}/both/echo`, { message: 'x' })).status).toBe(404);
    expect(mcpo.output()).toContain('mcpServers.both.disabled_tools: and "disabledTools" are the same setting');
  });

  it('knows client_header_forwarding (no unknown-key warning); on a stdio server it says no headers can reach it', async () => {
    const config = writeConfig({
      mcpServers: { demo: { command: 'node', args: [DEMO], client_header_forwarding: { enabled: true, whitelist: ['X-User-*'] }, enviroment: {} } },
    });
    const mcpo = await start(config);
    await toolsOf(mcpo.url, 'demo');
    expect(mcpo.output()).not.toContain('client_header_forwarding: unknown key');
    expect(mcpo.output()).toContain('client_header_forwarding applies to remote servers only');
    expect(mcpo.output()).toContain('mcpServers.demo.enviroment: unknown key (did you mean "env"?)');
  });
});

describe("VS Code's mcp.json", () => {
  it('is served as it is: JSONC, servers, inputs (warned about), envFile and ${env:VAR}, "http" falling back to SSE like VS Code', async () => {
    const sse = await startEverything('sse');
    peers.push(sse);
    const config = writeConfig(
      `{
  // written by VS Code
  "inputs": [{ "type": "promptString", "id": "api-key", "description": "API key", "password": true }],
  "servers": {
    "local": {
      "type": "stdio",
      "command": ${JSON.stringify(process.execPath)},
      "args": [${JSON.stringify(EVERYTHING_ENTRY)}, "stdio"],
      "envFile": ".env",
      "env": { "FROM_ENV_SYNTAX": "\${env:VSCODE_STYLE}" },
    },
    "remote": { "type": "http", "url": "${sse.url}" },
  },
}`,
      'mcp.json',
    );
    writeFileSync(join(config, '..', '.env'), 'FROM_ENV_FILE=loaded\n');
    const mcpo = await start(config, { VSCODE_STYLE: 'expanded' });
    expect(mcpo.output()).toContain('inputs: is ignored: mcpo cannot prompt for VS Code inputs');

    let env: Record<string, string> = {};
    await expect
      .poll(async () => {
        const response = await call(`${mcpo.url}/local/get-env`);
        if (response.status === 200) env = (await response.json()) as Record<string, string>;
        return response.status;
      }, { timeout: 20_000 })
      .toBe(200);
    expect(env).toMatchObject({ FROM_ENV_FILE: 'loaded', FROM_ENV_SYNTAX: 'expanded' });

    // server-everything's SSE endpoint: "http" in a VS Code file tries streamable HTTP, then falls back to SSE.
    const tools = await toolsOf(mcpo.url, 'remote');
    expect(tools).toContain('echo');
  });

  it('an ${input:…} reference exits 2, naming it and where it is', async () => {
    const config = writeConfig('{"servers": {"gh": {"type": "http", "url": "https://h/mcp", "headers": {"Authorization": "Bearer ${input:token}"}}}}', 'mcp.json');
    const { code, stderr } = await runMcpo(['--config', config]);
    expect(code).toBe(2);
    expect(stderr).toContain('servers.gh.headers.Authorization: "${input:token}" is a VS Code input, which mcpo cannot prompt for');
  });
});
