/**
 * What a stdio server sees of mcpo's environment, asked of a real peer nobody here wrote
 * (server-everything's get-env tool returns its process.env) through the spawned CLI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVERYTHING_ENTRY } from '../helpers/everything.js';
import { runMcpo, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const running: McpoProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

/** mcpo's own environment in these tests: a user variable, mcpo settings, and one the test passes by name. */
const MCPO_ENV = { FOO: 'from-the-shell', PASS_ME: 'passed-by-name', MCPO_API_KEY: 'top-secret-key', MCPO_HOME: join(tmpdir(), 'mcpo-home-unused') };
const AUTH = { authorization: `Bearer ${MCPO_ENV.MCPO_API_KEY}` };

function writeConfig(config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mcpo-env-')), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function start(args: string[]): Promise<McpoProcess> {
  const split = args.indexOf('--');
  const withPort = split < 0 ? [...args, '--port', '0'] : [...args.slice(0, split), '--port', '0', ...args.slice(split)];
  const p = await startMcpo(withPort, { env: MCPO_ENV });
  running.push(p);
  return p;
}

/** The environment the server at `toolUrl` runs with, once it is connected. */
async function environmentOf(toolUrl: string): Promise<Record<string, string>> {
  let env: Record<string, string> = {};
  await expect
    .poll(async () => {
      const response = await fetch(toolUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: '{}' });
      if (response.status === 200) env = (await response.json()) as Record<string, string>;
      return response.status;
    }, { timeout: 20_000 })
    .toBe(200);
  return env;
}

const everything = { command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] };

describe("a stdio server's environment", () => {
  it("config mode: inherits mcpo's environment under the entry env; inheritEnv false isolates; MCPO_* never passed", async () => {
    const config = writeConfig({
      mcpServers: {
        inheriting: { ...everything, env: { FOO: 'from-the-entry', OWN: 'own-value' } },
        isolated: { ...everything, env: { OWN: 'own-value' }, inheritEnv: false },
      },
    });
    const mcpo = await start(['--config', config]);

    const inheriting = await environmentOf(`${mcpo.url}/inheriting/get-env`);
    expect(inheriting).toMatchObject({ FOO: 'from-the-entry', OWN: 'own-value', PASS_ME: 'passed-by-name', PATH: process.env.PATH });
    expect(Object.keys(inheriting).filter((name) => name.startsWith('MCPO_'))).toEqual([]);

    const isolated = await environmentOf(`${mcpo.url}/isolated/get-env`);
    expect(isolated).toMatchObject({ OWN: 'own-value', PATH: process.env.PATH });
    expect(isolated).not.toHaveProperty('FOO');
    expect(isolated).not.toHaveProperty('PASS_ME');
    expect(Object.keys(isolated).filter((name) => name.startsWith('MCPO_'))).toEqual([]);
    expect(JSON.stringify([inheriting, isolated])).not.toContain(MCPO_ENV.MCPO_API_KEY);
  });

  it('--isolated-env isolates every server of a config file', async () => {
    const config = writeConfig({ mcpServers: { one: { ...everything, env: { OWN: 'own-value' } } } });
    const mcpo = await start(['--config', config, '--isolated-env']);
    const env = await environmentOf(`${mcpo.url}/one/get-env`);
    expect(env.OWN).toBe('own-value');
    expect(env).not.toHaveProperty('FOO');
  });

  it('single-server mode: FOO=bar mcpo -- server sees FOO, -e KEY=VALUE and -e KEY (passed by name), never MCPO_*', async () => {
    const mcpo = await start(['-e', 'GIVEN=on-the-command-line', '-e', 'PASS_ME', '--', everything.command, ...everything.args]);
    const env = await environmentOf(`${mcpo.url}/get-env`);
    expect(env).toMatchObject({ FOO: 'from-the-shell', GIVEN: 'on-the-command-line', PASS_ME: 'passed-by-name' });
    expect(Object.keys(env).filter((name) => name.startsWith('MCPO_'))).toEqual([]);
  });

  it('single-server mode with --isolated-env: only the minimal set and the -e/--env-path variables, never an MCPO_* one of the file', async () => {
    const dotenv = join(mkdtempSync(join(tmpdir(), 'mcpo-env-')), '.env');
    writeFileSync(dotenv, 'FROM_FILE=file-value\nMCPO_STRICT_AUTH=false\n');
    const args = ['--isolated-env', '--env-path', dotenv, '-e', 'GIVEN=on-the-command-line', '-e', 'PASS_ME', '--', everything.command, ...everything.args];
    const mcpo = await start(args);
    const env = await environmentOf(`${mcpo.url}/get-env`);
    expect(env).toMatchObject({ GIVEN: 'on-the-command-line', PASS_ME: 'passed-by-name', FROM_FILE: 'file-value', PATH: process.env.PATH });
    expect(env).not.toHaveProperty('FOO');
    expect(Object.keys(env).filter((name) => name.startsWith('MCPO_'))).toEqual([]);
  });

  it('-e MCPO_…=VALUE is refused with exit 2: mcpo settings are not for servers', async () => {
    const { code, stderr } = await runMcpo(['-e', 'MCPO_API_KEY=leak', '--', everything.command, ...everything.args]);
    expect(code).toBe(2);
    expect(stderr).toContain("--env MCPO_API_KEY=…: mcpo's own MCPO_* variables are never passed on to servers");
  });
});
