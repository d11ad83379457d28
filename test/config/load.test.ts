import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { FIXTURES, load, tempDir, thrown, type TempDir } from './configFiles.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

const noWarnings = { env: {}, warn: (message: string) => expect.fail(`unexpected warning: ${message}`) };

describe('loading a config file', () => {
  it('reads a Claude Desktop config into stdio entries in file order', async () => {
    const { config, warnings } = await load(join(FIXTURES, 'claude-desktop.json'));
    expect(warnings).toEqual([]);
    expect(config.servers).toEqual([
      { name: 'memory', kind: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: {}, inheritEnv: true, disabledTools: [] },
      {
        name: 'time',
        kind: 'stdio',
        command: 'uvx',
        args: ['mcp-server-time', '--local-timezone=America/New_York'],
        env: { TZ_FALLBACK: 'UTC' },
        inheritEnv: true,
        cwd: '/tmp',
        disabledTools: [],
      },
    ]);
  });

  it('understands every spelling of the transport type that other MCP clients write', async () => {
    const { config, warnings } = await load(join(FIXTURES, 'remote-aliases.json'));
    expect(warnings).toEqual([]);
    const kinds = Object.fromEntries(config.servers.map((s) => [s.name, s.kind]));
    expect(kinds).toEqual({
      'plain-sse': 'sse',
      streamable: 'streamable-http',
      'python-style': 'streamable-http',
      'cline-style': 'streamable-http',
      'claude-code-style': 'streamable-http',
      'transport-key': 'sse',
      windsurf: 'auto',
      'explicit-stdio': 'stdio',
      auto: 'auto',
    });
  });

  it('normalizes a remote entry: url from serverUrl, headers, disabled tools and the timeout in milliseconds', async () => {
    const { config } = await load(join(FIXTURES, 'remote-aliases.json'));
    const byName = new Map(config.servers.map((s) => [s.name, s]));
    expect(byName.get('windsurf')).toEqual({ name: 'windsurf', kind: 'auto', url: 'https://mcp.example.com/e', headers: {}, disabledTools: [] });
    expect(byName.get('plain-sse')).toMatchObject({ headers: { 'X-Api-Key': 'k1' } });
    expect(byName.get('auto')).toMatchObject({ disabledTools: ['delete_everything'], timeoutMs: 30_000 });
  });

  it('accepts type and transport (or url and serverUrl) together when they say the same thing', () => {
    const text = JSON.stringify({
      mcpServers: { a: { type: 'sse', transport: 'sse', url: 'https://h/sse', serverUrl: 'https://h/sse' } },
    });
    expect(parseConfig(text, { file: 'c.json', ...noWarnings }).servers[0]).toMatchObject({ kind: 'sse', url: 'https://h/sse' });
  });

  it('turns a fractional timeout in seconds into whole milliseconds, never zero', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x', timeout: 0.0001 }, b: { command: 'x', timeout: 1.5 } } });
    const [a, b] = parseConfig(text, { file: 'c.json', ...noWarnings }).servers;
    expect(a?.timeoutMs).toBe(1);
    expect(b?.timeoutMs).toBe(1500);
  });

  it('reads the bounds of a server\'s tool list: maxTools, maxToolPages, maxToolListBytes', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x', maxTools: 50, maxToolPages: 2, maxToolListBytes: 65536 }, b: { url: 'https://h/mcp' } } });
    const [a, b] = parseConfig(text, { file: 'c.json', ...noWarnings }).servers;
    expect(a).toMatchObject({ maxTools: 50, maxToolPages: 2, maxToolListBytes: 65536 });
    expect(b).not.toHaveProperty('maxTools');
  });

  it('reads inheritEnv: absent means inherit, false isolates, anything but a boolean is an error naming it', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x' }, b: { command: 'x', inheritEnv: false } } });
    expect(parseConfig(text, { file: 'c.json', ...noWarnings }).servers.map((s) => s.kind === 'stdio' && s.inheritEnv)).toEqual([true, false]);
    const bad = thrown(() => parseConfig('{"mcpServers": {"a": {"command": "x", "inheritEnv": "no"}}}', { file: 'c.json', ...noWarnings }));
    expect((bad as Error).message).toContain("c.json: mcpServers.a.inheritEnv: must be true or false (got a string)");
  });

  it('reads sdkTransport on stdio and remote entries (absent: mcpo\'s transports), anything but a boolean is an error naming it', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x', sdkTransport: true }, b: { url: 'https://h/mcp', sdkTransport: true }, c: { url: 'https://h/mcp' } } });
    const [a, b, c] = parseConfig(text, { file: 'c.json', ...noWarnings }).servers;
    expect([a?.sdkTransport, b?.sdkTransport]).toEqual([true, true]);
    expect(c).not.toHaveProperty('sdkTransport');
    const bad = thrown(() => parseConfig('{"mcpServers": {"a": {"command": "x", "sdkTransport": "sdk"}}}', { file: 'c.json', ...noWarnings }));
    expect((bad as Error).message).toContain('c.json: mcpServers.a.sdkTransport: must be true or false (got a string)');
  });

  it('hides the tools of disabledTools and of disabled_tools (the Python mcpo accepts both), together when both are given', () => {
    const text = JSON.stringify({
      mcpServers: { a: { command: 'x', disabled_tools: ['drop'] }, b: { command: 'x', disabledTools: ['one', 'both'], disabled_tools: ['both', 'two'] } },
    });
    const servers = parseConfig(text, { file: 'c.json', env: {}, warn: () => {} }).servers;
    expect(servers.map((s) => s.disabledTools)).toEqual([['drop'], ['one', 'both', 'two']]);
  });

  it('reads client_header_forwarding into lowercase allow/deny patterns; off unless enabled; bad patterns named', () => {
    const entry = (block: object) =>
      parseConfig(JSON.stringify({ mcpServers: { a: { url: 'https://h/mcp', client_header_forwarding: block } } }), { file: 'c.json', env: {}, warn: () => {} }).servers[0];
    expect(entry({ enabled: true, whitelist: ['X-User-*', 'X-Tenant'], blacklist: ['X-User-Secret'], debug_headers: true })?.headerForwarding).toEqual({
      allow: ['x-user-*', 'x-tenant'],
      deny: ['x-user-secret'],
      logNames: true,
    });
    expect(entry({ enabled: true })?.headerForwarding).toEqual({ allow: ['*'], deny: [], logNames: false });
    expect(entry({ enabled: false, whitelist: ['X-A'] })).not.toHaveProperty('headerForwarding');
    const bad = thrown(() => entry({ enabled: 'yes', whitelist: ['X User'] })) as Error;
    expect(bad.message).toContain('mcpServers.a.client_header_forwarding.enabled: must be true or false');
    expect(bad.message).toContain('mcpServers.a.client_header_forwarding.whitelist[0]: must be a header name, a prefix ending in "*"');
  });

  it("reads VS Code's mcp.json as it is: servers, JSONC, ${env:VAR}, http with SSE fallback; inputs ignored with a warning", async () => {
    const { config, warnings } = await load(join(FIXTURES, 'vscode-mcp.json'), { GITHUB_TOKEN: 'ghp_test' });
    expect(warnings).toEqual([expect.stringMatching(/vscode-mcp\.json: inputs: is ignored: mcpo cannot prompt for VS Code inputs.* \(line 3, column 3\)$/)]);
    expect(config.servers).toEqual([
      { name: 'memory', kind: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: {}, inheritEnv: true, disabledTools: [] },
      { name: 'github', kind: 'auto', url: 'https://api.githubcopilot.com/mcp/', headers: { Authorization: 'Bearer ghp_test' }, disabledTools: [] },
      { name: 'legacy', kind: 'sse', url: 'http://localhost:3001/sse', headers: {}, disabledTools: [] },
    ]);
  });

  it("reads a VS Code envFile relative to the config file into env (env wins); a missing one is an error naming it", async () => {
    await mkdir(join(dir.path, 'conf'));
    await dir.write('conf/.env', '# VS Code envFile\nFROM_FILE=file\nBOTH=file\n');
    const file = await dir.write('conf/mcp.json', { servers: { a: { type: 'stdio', command: 'x', envFile: '.env', env: { BOTH: 'entry' } } } });
    const { config } = await load(file);
    expect(config.servers[0]).toMatchObject({ env: { FROM_FILE: 'file', BOTH: 'entry' } });

    const missing = await dir.write('conf/missing.json', { servers: { a: { command: 'x', envFile: 'nope.env' } } });
    const error = (await loadConfig(missing, { env: {}, warn: () => {} }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`${missing}: servers.a.envFile: cannot use ${join(dir.path, 'conf', 'nope.env')}: no such file (line 5, column 7)`);
  });

  it('refuses a VS Code ${input:…} reference, naming it, where it is, and what to write instead', () => {
    const text = '{"servers": {\n "gh": {"type": "http", "url": "https://h/mcp", "headers": {"Authorization": "Bearer ${input:github-token}"}}}}';
    const error = thrown(() => parseConfig(text, { file: 'mcp.json', env: {}, warn: () => {} })) as Error;
    expect(error.message).toBe(
      'mcp.json: servers.gh.headers.Authorization: "${input:github-token}" is a VS Code input, which mcpo cannot prompt for: put the value in an environment variable and write ${NAME} instead (line 2, column 61)',
    );
  });

  it('leaves out servers marked "disabled": true without checking them', async () => {
    const file = await dir.write('config.json', {
      mcpServers: {
        on: { command: 'node', disabled: false },
        off: { url: 'not a url ${MISSING}', disabled: true },
      },
    });
    const { config, warnings } = await load(file);
    expect(warnings).toEqual([]);
    expect(config.servers.map((s) => s.name)).toEqual(['on']);
  });

  it('reads a file with a UTF-8 byte order mark, as Windows editors write it', async () => {
    const file = await dir.write('bom.json', `\uFEFF${JSON.stringify({ mcpServers: { a: { command: 'x' } } })}`);
    const { config } = await load(file);
    expect(config.servers).toHaveLength(1);
  });

  it('names the file when it does not exist', async () => {
    const missing = join(dir.path, 'nope.json');
    const error = await loadConfig(missing, noWarnings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    expect((error as ConfigError).file).toBe(missing);
    expect((error as ConfigError).message).toBe(`${missing}: cannot read the config file: file not found`);
  });

  it('names the file when it is a directory', async () => {
    const sub = join(dir.path, 'sub');
    await mkdir(sub);
    await expect(loadConfig(sub, noWarnings)).rejects.toThrow(`${sub}: cannot read the config file: is a directory, not a file`);
  });

  it('names the file and passes on the system reason for other read failures', async () => {
    const notADirectory = join(await dir.write('plain.json', '{}'), 'config.json');
    await expect(loadConfig(notADirectory, noWarnings)).rejects.toThrow(`${notADirectory}: cannot read the config file: ENOTDIR`);
  });
});

describe('config files that are not a server list', () => {
  it('rejects an empty mcpServers object with "no servers configured"', async () => {
    const file = await dir.write('empty.json', { mcpServers: {} });
    const error = await loadConfig(file, noWarnings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${file}: mcpServers: no servers configured`);
  });

  it('says all servers are disabled when that is why none are left', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x', disabled: true }, b: { command: 'y', disabled: true } } });
    expect(() => parseConfig(text, { file: 'c.json', ...noWarnings })).toThrow('c.json: mcpServers: no servers configured: all 2 are "disabled": true');
  });

  it('rejects a file without mcpServers (or VS Code servers), showing the expected shape', () => {
    const error = thrown(() => parseConfig('{"tools": {}}', { file: 'c.json', env: {}, warn: () => {} }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^c\.json: has no "mcpServers" object \(or "servers", as VS Code writes it\): expected \{"mcpServers": /);
    const empty = thrown(() => parseConfig('{"servers": {}}', { file: 'c.json', env: {}, warn: () => {} }));
    expect((empty as Error).message).toMatch(/^c\.json: servers: no servers configured/);
  });

  it('rejects a file with both mcpServers and servers, since it is unclear which list is meant', () => {
    const error = thrown(() => parseConfig('{"mcpServers": {"a": {"command": "x"}}, "servers": {"b": {"command": "y"}}}', { file: 'c.json', env: {}, warn: () => {} }));
    expect((error as Error).message).toBe('c.json: has both "mcpServers" and "servers" (VS Code\'s name for the same list): keep one');
  });

  it('rejects JSON that is not an object', () => {
    expect(() => parseConfig('[1, 2]', { file: 'c.json', ...noWarnings })).toThrow(/^c\.json: must contain a JSON object like/);
  });

  it('rejects mcpServers that is a list instead of an object', () => {
    expect(() => parseConfig('{"mcpServers": []}', { file: 'c.json', ...noWarnings })).toThrow(
      'c.json: mcpServers: must be an object (got a list) (line 1, column 2)',
    );
  });
});
