/**
 * Config files written for other programs (the Python mcpo, VS Code), served by the real CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const DEMO = join(REPO, 'examples/stdio-demo/server.mjs');
const running: McpoProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
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

  it('accepts client_header_forwarding without a warning', async () => {
    const config = writeConfig({
      mcpServers: { demo: { command: 'node', args: [DEMO], client_header_forwarding: { enabled: true, whitelist: ['X-User-*'] }, enviroment: {} } },
    });
    const mcpo = await start(config);
    await toolsOf(mcpo.url, 'demo');
    expect(mcpo.output()).not.toContain('client_header_forwarding');
    expect(mcpo.output()).toContain('mcpServers.demo.enviroment: unknown key (did you mean "env"?)');
  });
});
