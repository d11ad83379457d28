import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { InvalidConfigError } from '../../src/config/problems.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir, thrown } from './configFiles.js';

function problemsOf(config: unknown, env: Record<string, string> = {}): InvalidConfigError {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  const error = thrown(() => parseConfig(text, { file: 'config.json', env, warn: () => {} }));
  expect(error).toBeInstanceOf(InvalidConfigError);
  return error as InvalidConfigError;
}

function messageFor(entry: unknown, name = 'x'): string {
  return problemsOf({ mcpServers: { [name]: entry } }).message;
}

describe('invalid config files', () => {
  it('lists every problem in one error, one per line, in file order, each with its JSON path and line', async () => {
    const dir = await tempDir();
    try {
      const file = await dir.write('config.json', {
        mcpServers: {
          github: { url: 'ftp://github.example/mcp' },
          both: { command: 'node', url: 'https://h/mcp' },
          neither: { args: ['a'] },
          bad: { command: 'node', args: 'a b', timeout: -1 },
        },
      });
      const error = (await loadConfig(file, { env: {}, warn: () => {} }).catch((e: unknown) => e)) as InvalidConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.file).toBe(file);
      expect(error.message.split('\n')).toEqual([
        `${file}: 5 problems:`,
        '  mcpServers.github.url: must be an absolute http:// or https:// URL (line 4, column 7)',
        '  mcpServers.both: has both "command" and "url": use "command" to start a local (stdio) server or "url" to connect to a remote one (line 6, column 5)',
        '  mcpServers.neither: needs "command" (to start a local stdio server) or "url" (to connect to a remote server) (line 10, column 5)',
        '  mcpServers.bad.args: must be a list (got a string) (line 17, column 7)',
        '  mcpServers.bad.timeout: must be a positive number of seconds (line 18, column 7)',
      ]);
      expect(error.problems.map((p) => p.path.join('/'))).toEqual([
        'mcpServers/github/url',
        'mcpServers/both',
        'mcpServers/neither',
        'mcpServers/bad/args',
        'mcpServers/bad/timeout',
      ]);
    } finally {
      await dir.remove();
    }
  });

  it('names the file and the path on the first line when there is a single problem', () => {
    const error = problemsOf({ mcpServers: { github: { url: '/relative' } } });
    expect(error.message).toBe('config.json: mcpServers.github.url: must be an absolute http:// or https:// URL (line 4, column 7)');
    expect(error.path).toBe('mcpServers.github.url');
  });

  it('says what type a value should have and what it got, without echoing strings', () => {
    const message = problemsOf({
      mcpServers: { a: { command: 42, args: [1, 'ok'], env: { TOKEN: 'x', PORT: 8080 }, disabledTools: 'all', headers: null } },
    }).message;
    expect(message).toContain('mcpServers.a.command: must be a string (got 42)');
    expect(message).toContain('mcpServers.a.args[0]: must be a string (got 1)');
    expect(message).toContain('mcpServers.a.env.PORT: must be a string (got 8080)');
    expect(message).toContain('mcpServers.a.disabledTools: must be a list (got a string)');
    expect(message).toContain('mcpServers.a.headers: must be an object (got null)');
  });

  it('rejects an entry that is not an object', () => {
    expect(messageFor('npx server')).toBe('config.json: mcpServers.x: must be an object (got a string) (line 3, column 5)');
  });

  it('rejects urls that are not absolute http(s) URLs, in url and serverUrl alike', () => {
    for (const url of ['ws://h/mcp', 'localhost:8000/mcp', 'http://', 'file:///etc/passwd']) {
      expect(messageFor({ url })).toContain('mcpServers.x.url: must be an absolute http:// or https:// URL');
      expect(messageFor({ serverUrl: url })).toContain('mcpServers.x.serverUrl: must be an absolute http:// or https:// URL');
    }
  });

  it('rejects urls with a user name or password without echoing them, and points to headers instead', () => {
    // Regression: such a url was accepted, then every connection failed with fetch's message, which
    // printed the password in the log, in /healthz and in every 503 body.
    for (const url of ['https://user:pa55word@h/mcp', 'http://user@h/mcp', 'https://:pa55word@h/mcp']) {
      const message = messageFor({ url });
      expect(message).toContain('mcpServers.x.url: must not contain a user name or password');
      expect(message).toContain('"headers"');
      expect(message).not.toContain('pa55word');
    }
  });

  it('rejects an unknown transport type and lists the accepted ones', () => {
    expect(messageFor({ type: 'websocket', url: 'https://h/ws' })).toContain(
      'mcpServers.x.type: unknown transport type "websocket": use "stdio", "sse" or "streamable-http"',
    );
  });

  it('rejects a type that contradicts the entry: stdio with a url, a remote type with a command', () => {
    expect(messageFor({ type: 'stdio', url: 'https://h/mcp' })).toContain('mcpServers.x.type: is "stdio", which needs "command", not "url"');
    expect(messageFor({ transport: 'sse', command: 'node' })).toContain('mcpServers.x.transport: is "sse", which needs "url", not "command"');
    expect(messageFor({ type: 'http' })).toContain('mcpServers.x: needs "url"');
    expect(messageFor({ type: 'stdio' })).toContain('mcpServers.x: needs "command"');
  });

  it('rejects an alias that disagrees with the key it stands for', () => {
    expect(messageFor({ type: 'sse', transport: 'http', url: 'https://h/mcp' })).toContain(
      'mcpServers.x.transport: conflicts with "type" (they are the same setting): keep only one',
    );
    expect(messageFor({ url: 'https://a/mcp', serverUrl: 'https://b/mcp' })).toContain('mcpServers.x.serverUrl: conflicts with "url"');
  });

  it('rejects empty commands, zero or huge timeouts and non-boolean disabled flags', () => {
    expect(messageFor({ command: '' })).toContain('mcpServers.x.command: must not be empty');
    expect(messageFor({ command: 'x', timeout: 0 })).toContain('mcpServers.x.timeout: must be a positive number of seconds');
    expect(messageFor({ command: 'x', timeout: 3e9 })).toContain('mcpServers.x.timeout: must be at most 2147483 seconds');
    expect(messageFor({ command: 'x', disabled: 'yes' })).toContain('mcpServers.x.disabled: must be true or false (got a string)');
  });

  it('rejects a maxConcurrentCalls that is not a whole number of at least 1', () => {
    expect(messageFor({ command: 'x', maxConcurrentCalls: 0 })).toContain('mcpServers.x.maxConcurrentCalls: must be at least 1');
    expect(messageFor({ command: 'x', maxConcurrentCalls: 2.5 })).toContain('mcpServers.x.maxConcurrentCalls: must be a whole number');
  });

  it('rejects tool-list bounds that are not whole numbers of at least 1, or too large to bound anything', () => {
    expect(messageFor({ command: 'x', maxTools: 0 })).toContain('mcpServers.x.maxTools: must be at least 1 tool');
    expect(messageFor({ command: 'x', maxToolPages: 1.5 })).toContain('mcpServers.x.maxToolPages: must be a whole number');
    expect(messageFor({ command: 'x', maxToolListBytes: 2 ** 31 })).toContain('mcpServers.x.maxToolListBytes: must be at most 1073741824');
  });

  it('rejects header names that are not HTTP tokens and header values with line breaks', () => {
    const message = messageFor({ url: 'https://h/mcp', headers: { 'X Bad': 'v', 'X-Ok': 'a\r\nInjected: yes' } });
    expect(message).toContain('mcpServers.x.headers["X Bad"]: is not a valid HTTP header name');
    expect(message).toContain('mcpServers.x.headers.X-Ok: header value must not contain line breaks or NUL characters');
  });

  it('rejects env names containing "="', () => {
    expect(messageFor({ command: 'x', env: { 'A=B': '1' } })).toContain('mcpServers.x.env["A=B"]: is not a valid environment variable name');
  });
});

describe('server names', () => {
  it.each([
    ['docs', 'server name "docs" is reserved (mcpo serves /docs itself)'],
    ['openapi.json', 'server name "openapi.json" is reserved (mcpo serves /openapi.json itself)'],
    ['healthz', 'server name "healthz" is reserved'],
    ['oauth', 'server name "oauth" is reserved (mcpo serves /oauth itself)'],
    ['my server', 'server name "my server" cannot be used in a URL path: use letters, digits, ".", "_" and "-", starting with a letter or digit'],
    ['a/b', 'server name "a/b" cannot be used in a URL path'],
    ['.hidden', 'server name ".hidden" cannot be used in a URL path'],
    ['-dash', 'server name "-dash" cannot be used in a URL path'],
    ['ünïcode', 'server name "ünïcode" cannot be used in a URL path'],
    ['', 'server name must not be empty'],
    ['n'.repeat(65), 'is 65 characters long; at most 64 are allowed'],
  ])('rejects %j and says why', (name, why) => {
    const message = messageFor({ command: 'x' }, name);
    expect(message).toContain(why);
  });

  it('accepts names made of letters, digits, dots, underscores and dashes up to 64 characters', () => {
    const names = ['github', 'GitHub_2', '1password', 'my.server-v2', 'n'.repeat(64), 'Docs', 'docs2'];
    const config = parseConfig(JSON.stringify({ mcpServers: Object.fromEntries(names.map((n) => [n, { command: 'x' }])) }), {
      file: 'c.json',
      env: {},
      warn: () => {},
    });
    expect(config.servers.map((s) => s.name)).toEqual(names);
  });

  it('quotes a name with a dot in JSON paths so the path stays unambiguous', () => {
    expect(messageFor({ url: 'nope' }, 'my.server')).toContain('mcpServers["my.server"].url: must be an absolute');
  });
});
