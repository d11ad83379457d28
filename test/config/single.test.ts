import { describe, expect, it } from 'vitest';
import { DEFAULT_SINGLE_SERVER_NAME, entryFromCommandLine } from '../../src/config/single.js';
import { InvalidConfigError } from '../../src/config/problems.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { thrown } from './configFiles.js';

const env = { TOKEN: 's3cret', HOST: 'mcp.example.com' };

describe('a single server from the command line', () => {
  it('runs the words after -- as a stdio command with its arguments and --env variables', () => {
    expect(entryFromCommandLine({ command: ['uvx', 'mcp-server-time', '--local-timezone=UTC'], env: { TZ: 'UTC' } }, { env })).toEqual({
      name: DEFAULT_SINGLE_SERVER_NAME,
      kind: 'stdio',
      command: 'uvx',
      args: ['mcp-server-time', '--local-timezone=UTC'],
      env: { TZ: 'UTC' },
      inheritEnv: true,
      disabledTools: [],
    });
  });

  it('connects to a URL with --server-type, accepting the same type spellings as the config file', () => {
    for (const [serverType, kind] of [
      ['streamable-http', 'streamable-http'],
      ['streamable_http', 'streamable-http'],
      ['http', 'streamable-http'],
      ['sse', 'sse'],
      ['SSE', 'sse'],
    ]) {
      expect(entryFromCommandLine({ command: ['https://mcp.example.com/mcp'], serverType, name: 'remote' }, { env })).toEqual({
        name: 'remote',
        kind,
        url: 'https://mcp.example.com/mcp',
        headers: {},
        disabledTools: [],
      });
    }
  });

  it('treats a lone URL without --server-type as a remote server with transport auto-detection', () => {
    expect(entryFromCommandLine({ command: ['http://127.0.0.1:8000/mcp'] }, { env })).toMatchObject({ kind: 'auto', url: 'http://127.0.0.1:8000/mcp' });
  });

  it('refuses a URL with a password as a remote server (not as a command to run) and does not echo it', () => {
    const error = thrown(() => entryFromCommandLine({ command: ['https://me:pa55word@mcp.example.com/mcp'] }, { env }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toContain('must not contain a user name or password');
    expect((error as Error).message).not.toContain('pa55word');
  });

  it('sends --header values to a remote server, expanding ${VAR} in them, and ignores --env there', () => {
    const entry = entryFromCommandLine(
      { command: ['https://${HOST}/mcp'], serverType: 'streamable-http', headers: { Authorization: 'Bearer ${TOKEN}' }, env: { A: '1' } },
      { env },
    );
    expect(entry).toEqual({
      name: DEFAULT_SINGLE_SERVER_NAME,
      kind: 'streamable-http',
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer s3cret' },
      disabledTools: [],
    });
  });

  it('expands ${VAR} in the command and arguments but takes --env values literally', () => {
    const entry = entryFromCommandLine({ command: ['server', '--token=${TOKEN}', '$${LITERAL}'], env: { X: '${TOKEN}' } }, { env });
    expect(entry).toMatchObject({ command: 'server', args: ['--token=s3cret', '${LITERAL}'], env: { X: '${TOKEN}' } });
  });

  it('explicit --server-type stdio runs the command even when it looks like a URL', () => {
    expect(entryFromCommandLine({ command: ['https://h/run.sh'], serverType: 'stdio' }, { env })).toMatchObject({ kind: 'stdio' });
  });

  it.each([
    [{ command: [] }, 'no server given after --'],
    [{ command: [''] }, 'no server given after --'],
    [{ command: ['x'], serverType: 'websocket' }, '--server-type "websocket": use "stdio", "sse" or "streamable-http"'],
    [{ command: ['node', 's.js'], headers: { A: 'b' } }, '--header applies only to a remote server'],
    [{ command: ['https://h/mcp', 'extra'], serverType: 'sse' }, 'a sse server takes exactly one URL after --, got 2 arguments'],
  ])('refuses %j as a usage error', (input, message) => {
    const error = thrown(() => entryFromCommandLine(input, { env }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
  });

  it.each([
    [{ command: ['not-a-url'], serverType: 'sse' }, 'command line: url: must be an absolute http:// or https:// URL'],
    [{ command: ['https://h/mcp'], headers: { 'Bad Header': 'x' } }, 'command line: headers["Bad Header"]: is not a valid HTTP header name'],
    [{ command: ['node'], name: 'docs' }, 'command line: server name "docs" is reserved'],
    [{ command: ['https://h/${MISSING}'] }, 'command line: url: environment variable MISSING is not set'],
  ])('refuses %j with the config rules', (input, message) => {
    const error = thrown(() => entryFromCommandLine(input, { env }));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
  });
});
