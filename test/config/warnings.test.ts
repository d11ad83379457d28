import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { closestKey } from '../../src/config/suggest.js';
import { load, tempDir } from './configFiles.js';

function warningsFor(text: string, file = 'config.json'): string[] {
  const warnings: string[] = [];
  parseConfig(text, { file, env: {}, warn: (message) => warnings.push(message) });
  return warnings;
}

describe('warnings about keys mcpo does not use', () => {
  it('names the file, the path and the closest known key for a misspelled key', async () => {
    const dir = await tempDir();
    try {
      const file = await dir.write('config.json', '{\n  "mcpServers": {\n    "x": { "comand": "node", "command": "node" }\n  }\n}\n');
      const { warnings } = await load(file);
      expect(warnings).toEqual([`${file}: mcpServers.x.comand: unknown key (did you mean "command"?) (line 3, column 12)`]);
    } finally {
      await dir.remove();
    }
  });

  it('suggests keys differing only in case or separators', () => {
    const warnings = warningsFor(
      JSON.stringify({ mcpServers: { x: { command: 'n', DisabledTools: [], Args: [] }, y: { url: 'https://h/m', oauth: { callbackPort: 1 } } } }),
    );
    expect(warnings).toEqual([
      expect.stringMatching(/^config\.json: mcpServers\.x\.DisabledTools: unknown key \(did you mean "disabledTools"\?\)/),
      expect.stringMatching(/^config\.json: mcpServers\.x\.Args: unknown key \(did you mean "args"\?\)/),
      expect.stringMatching(/^config\.json: mcpServers\.y\.oauth\.callbackPort: unknown key \(did you mean "callback_port"\?\)/),
    ]);
  });

  it('suggests env for enviroment, environment and envVars, args for arguments, command for cmd: words edit distance misses', () => {
    const keys = { enviroment: {}, environment: {}, envVars: {}, arguments: [], cmd: 'n', workingDirectory: '/tmp', timeoutSeconds: 5 };
    const warnings = warningsFor(JSON.stringify({ mcpServers: { x: { command: 'n', ...keys } } }));
    const suggested = warnings.map((w) => /mcpServers\.x\.(\w+): unknown key \(did you mean "(\w+)"\?\)/.exec(w)?.slice(1, 3).join(' → '));
    expect(suggested).toEqual([
      'enviroment → env',
      'environment → env',
      'envVars → env',
      'arguments → args',
      'cmd → command',
      'workingDirectory → cwd',
      'timeoutSeconds → timeout',
    ]);
  });

  it("says VS Code's dev block is ignored rather than unknown", () => {
    expect(warningsFor(JSON.stringify({ servers: { x: { type: 'stdio', command: 'n', dev: { watch: 'src/**' } } } }))).toEqual([
      expect.stringMatching(/^config\.json: servers\.x\.dev: is ignored: VS Code's development mode \(watch and debug\) is for VS Code only/),
    ]);
  });

  it('knows disabled_tools (the Python mcpo spelling) and says when both spellings are given', () => {
    expect(warningsFor(JSON.stringify({ mcpServers: { x: { command: 'n', disabled_tools: ['a'] } } }))).toEqual([]);
    expect(warningsFor(JSON.stringify({ mcpServers: { x: { command: 'n', disabledTools: ['a'], disabled_tools: ['b'] } } }))).toEqual([
      expect.stringMatching(/^config\.json: mcpServers\.x\.disabled_tools: and "disabledTools" are the same setting: the tools of both lists are hidden/),
    ]);
  });

  it('knows client_header_forwarding, warns about keys inside it and about a block that is not enabled', () => {
    const forwarding = (block: object) => warningsFor(JSON.stringify({ mcpServers: { x: { command: 'n', client_header_forwarding: block } } }));
    expect(forwarding({ enabled: true, whitelist: ['X-User-*'], blacklist: [], debug_headers: false })).toEqual([]);
    expect(forwarding({ enabled: true, whitelst: ['X-User-*'] })).toEqual([
      expect.stringMatching(/mcpServers\.x\.client_header_forwarding\.whitelst: unknown key \(did you mean "whitelist"\?\)/),
    ]);
    expect(forwarding({ whitelist: ['X-User-*'] })).toEqual([
      expect.stringMatching(/mcpServers\.x\.client_header_forwarding: is ignored: nothing is forwarded without "enabled": true/),
    ]);
    expect(forwarding({ enabled: false })).toEqual([]);
  });

  it('warns about unknown top-level keys too, and keys nothing resembles get no suggestion', () => {
    const warnings = warningsFor(JSON.stringify({ mcpServer: {}, mcpServers: { x: { command: 'n', autoApprove: [] } } }));
    expect(warnings).toEqual([
      expect.stringMatching(/^config\.json: mcpServer: unknown key \(did you mean "mcpServers"\?\) \(line 1, column 2\)$/),
      expect.stringMatching(/^config\.json: mcpServers\.x\.autoApprove: unknown key \(line 1/),
    ]);
  });

  it('accepts a $schema key without warning', () => {
    expect(warningsFor(JSON.stringify({ $schema: 'https://example.com/schema.json', mcpServers: { x: { command: 'n' } } }))).toEqual([]);
  });

  it('warns that headers do nothing for a stdio server and args, env, inheritEnv and cwd nothing for a remote one', () => {
    const warnings = warningsFor(
      JSON.stringify({
        mcpServers: {
          local: { command: 'n', headers: { A: 'b' } },
          remote: { url: 'https://h/m', args: [], env: {}, inheritEnv: false, cwd: '/tmp' },
        },
      }),
    );
    expect(warnings.map((w) => w.replace(/ \(line.*$/, ''))).toEqual([
      'config.json: mcpServers.local.headers: is ignored: "headers" applies only to remote (url) servers',
      'config.json: mcpServers.remote.args: is ignored: "args" applies only to local (command) servers',
      'config.json: mcpServers.remote.env: is ignored: "env" applies only to local (command) servers',
      'config.json: mcpServers.remote.inheritEnv: is ignored: "inheritEnv" applies only to local (command) servers',
      'config.json: mcpServers.remote.cwd: is ignored: "cwd" applies only to local (command) servers',
    ]);
  });

  it('warns about a duplicate key, which JSON parsers silently resolve to the last value', () => {
    const text = '{"mcpServers": {\n"a": {"command": "first"},\n"a": {"command": "second"}\n}}';
    const warnings: string[] = [];
    const config = parseConfig(text, { file: 'config.json', env: {}, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(['config.json: mcpServers.a: duplicate key: only the last one is used (line 3, column 1)']);
    expect(config.servers).toMatchObject([{ name: 'a', command: 'second' }]);
  });

  it('keeps RFC 7591 client metadata fields quietly and warns about others', () => {
    const warnings = warningsFor(
      JSON.stringify({
        mcpServers: { r: { url: 'https://h/m', oauth: { client_metadata: { logo_uri: 'https://h/logo.png', client_nmae: 'mcpo' } } } },
      }),
    );
    expect(warnings).toEqual([expect.stringMatching(/mcpServers\.r\.oauth\.client_metadata\.client_nmae: unknown key \(did you mean "client_name"\?\)/)]);
  });

  it('still warns before refusing an invalid config, so the misspelling behind the error is visible', () => {
    const warnings: string[] = [];
    expect(() =>
      parseConfig(JSON.stringify({ mcpServers: { x: { comand: 'node' } } }), { file: 'c.json', env: {}, warn: (m) => warnings.push(m) }),
    ).toThrow('c.json: mcpServers.x: needs "command"');
    expect(warnings).toEqual([expect.stringContaining('mcpServers.x.comand: unknown key (did you mean "command"?)')]);
  });
});

describe('did-you-mean suggestions', () => {
  const keys = ['command', 'args', 'env', 'cwd', 'url', 'headers', 'disabledTools', 'timeout', 'oauth'];
  it.each([
    ['comand', 'command'],
    ['commnd', 'command'],
    ['header', 'headers'],
    ['URL', 'url'],
    ['disabled-tools', 'disabledTools'],
    ['disabledTool', 'disabledTools'],
    ['timeot', 'timeout'],
    ['arg', 'args'],
    ['enviroment', 'env'],
    ['environment', 'env'],
    ['Environment_Variables', 'env'],
    ['envVars', 'env'],
  ])('suggests %j for %j', (typo, expected) => {
    expect(closestKey(typo, keys)).toBe(expected);
  });

  it.each(['description', 'autoApprove', 'x', 'alwaysAllow'])('suggests nothing for %j', (key) => {
    expect(closestKey(key, keys)).toBeUndefined();
  });
});
