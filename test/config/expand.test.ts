import { describe, expect, it } from 'vitest';
import { expandString } from '../../src/config/expand.js';
import { parseConfig } from '../../src/config/load.js';
import { InvalidConfigError } from '../../src/config/problems.js';
import { load, tempDir, thrown } from './configFiles.js';

const env = { HOME: '/home/ada', TOKEN: 's3cret', EMPTY: '', HOST: 'mcp.example.com' };

describe('${VAR} expansion in strings', () => {
  it.each([
    ['${HOME}/bin', '/home/ada/bin'],
    ['Bearer ${TOKEN}', 'Bearer s3cret'],
    ['${HOST}:${HOST}', 'mcp.example.com:mcp.example.com'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${UNSET:-}', ''],
    ['${EMPTY:-used when empty}', 'used when empty'],
    ['${TOKEN:-not used}', 's3cret'],
    ['${EMPTY}', ''],
    ['${UNSET:-a:b-c}', 'a:b-c'],
    ['$${HOME} stays literal', '${HOME} stays literal'],
    ['cost: $5, pa$$word, $HOME', 'cost: $5, pa$$word, $HOME'],
    ['trailing $', 'trailing $'],
    ['no variables', 'no variables'],
    ['Bearer ${env:TOKEN}', 'Bearer s3cret'],
    ['${env:UNSET:-fallback}', 'fallback'],
  ])('expands %j to %j', (input, expected) => {
    expect(expandString(input, env)).toEqual({ value: expected });
  });

  it.each([
    ['${MISSING}', 'environment variable MISSING is not set'],
    ['${env:MISSING}', 'environment variable MISSING is not set'],
    ['${workspaceFolder}/.env', 'environment variable workspaceFolder is not set (a VS Code variable: give mcpo its value, e.g. -e workspaceFolder=/path)'],
    ['${input:api-key}', '"${input:api-key}" is a VS Code input, which mcpo cannot prompt for: put the value in an environment variable and write ${NAME} instead'],
    ['${constructor}', 'environment variable constructor is not set'],
    ['${HOME', 'unterminated "${" (write $${ for a literal "${")'],
    ['${}', 'invalid variable reference "${}"'],
    ['${1ABC}', 'invalid variable reference "${1ABC}"'],
    ['${A-B}', 'invalid variable reference "${A-B}"'],
  ])('refuses %j: %s', (input, reason) => {
    const result = expandString(input, env);
    expect('error' in result && result.error).toContain(reason);
  });
});

describe('${VAR} expansion in config files', () => {
  it('expands every string value: command, args, env, cwd, url, headers, disabled tools and oauth settings', async () => {
    const dir = await tempDir();
    try {
      const file = await dir.write('config.json', {
        mcpServers: {
          local: {
            command: '${HOME}/bin/server',
            args: ['--token', '${TOKEN}', '--port=${PORT:-8080}'],
            env: { API_TOKEN: '${TOKEN}', LITERAL: '$${NOT_EXPANDED}' },
            cwd: '${HOME}/work',
            disabledTools: ['${TOOL:-dangerous}'],
          },
          remote: {
            url: 'https://${HOST}/mcp',
            oauth: { server_url: 'https://${HOST}', client_id: '${CLIENT_ID:-mcpo}', scope: '${SCOPE:-read}' },
          },
          other: { url: 'https://${HOST}/other', headers: { 'X-Api-Key': '${TOKEN}' } },
        },
      });
      const { config } = await load(file, env);
      expect(config.servers).toEqual([
        {
          name: 'local',
          kind: 'stdio',
          command: '/home/ada/bin/server',
          args: ['--token', 's3cret', '--port=8080'],
          env: { API_TOKEN: 's3cret', LITERAL: '${NOT_EXPANDED}' },
          inheritEnv: true,
          cwd: '/home/ada/work',
          disabledTools: ['dangerous'],
        },
        {
          name: 'remote',
          kind: 'auto',
          url: 'https://mcp.example.com/mcp',
          headers: {},
          disabledTools: [],
          oauth: {
            serverUrl: 'https://mcp.example.com',
            clientId: 'mcpo',
            scope: 'read',
            callbackPort: 3030,
            useLoopback: true,
            storageType: 'file',
          },
        },
        { name: 'other', kind: 'auto', url: 'https://mcp.example.com/other', headers: { 'X-Api-Key': 's3cret' }, disabledTools: [] },
      ]);
    } finally {
      await dir.remove();
    }
  });

  it('names the missing variable and the JSON path of the string that needs it', () => {
    const text = JSON.stringify({
      mcpServers: { github: { url: 'https://api.github.com/mcp', headers: { Authorization: 'Bearer ${GITHUB_TOKEN}' } } },
    });
    const error = thrown(() => parseConfig(text, { file: 'config.json', env: {}, warn: () => {} }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toBe(
      `config.json: mcpServers.github.headers.Authorization: environment variable GITHUB_TOKEN is not set (line 1, column ${text.indexOf('"Authorization"') + 1})`,
    );
  });

  it('reports every missing variable at once, and a missing one only once even when the value then fails validation', () => {
    const text = JSON.stringify({
      mcpServers: { a: { url: '${BASE_URL}/mcp' }, b: { command: 'x', args: ['${ONE}', '${TWO}'] } },
    });
    const error = thrown(() => parseConfig(text, { file: 'config.json', env: {}, warn: () => {} })) as InvalidConfigError;
    expect(error.problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
      'mcpServers.a.url: environment variable BASE_URL is not set',
      'mcpServers.b.args.0: environment variable ONE is not set',
      'mcpServers.b.args.1: environment variable TWO is not set',
    ]);
  });

  it('validates URLs after expansion', () => {
    const text = JSON.stringify({ mcpServers: { a: { url: '${BASE}/mcp' } } });
    const options = { file: 'config.json', warn: () => {} };
    expect(parseConfig(text, { ...options, env: { BASE: 'http://127.0.0.1:9000' } }).servers[0]).toMatchObject({ url: 'http://127.0.0.1:9000/mcp' });
    expect(() => parseConfig(text, { ...options, env: { BASE: 'ftp://h' } })).toThrow('mcpServers.a.url: must be an absolute http:// or https:// URL');
  });

  it('does not expand object keys', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x', env: { '${NAME}': 'v' } } } });
    const config = parseConfig(text, { file: 'c.json', env: { NAME: 'EXPANDED' }, warn: () => {} });
    expect(config.servers[0]).toMatchObject({ env: { '${NAME}': 'v' } });
  });
});
