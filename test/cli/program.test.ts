import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { environmentVariableOf } from '../../src/cli/envFlags.js';
import { createProgram, parseCommandLine, type CommandLine } from '../../src/cli/program.js';
import type { CliFlags } from '../../src/cli/options.js';

const VERSION = '7.7.7';

function parse(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const result = parseCommandLine(['node', 'mcpo', ...args], {
    env,
    version: VERSION,
    defaultMaxConcurrentCalls: 32,
    writeOut: (text) => (out += text),
    writeErr: (text) => (err += text),
  });
  return { result, out, err };
}

function flagsOf(args: string[], env: Record<string, string> = {}): CliFlags {
  const { result, err } = parse(args, env);
  if (result.kind !== 'serve') throw new Error(`expected to serve, got exit ${result.code}: ${err}`);
  return result.flags;
}

function exitOf(args: string[], env: Record<string, string> = {}) {
  const { result, out, err } = parse(args, env);
  return { code: (result as Extract<CommandLine, { kind: 'exit' }>).code, kind: result.kind, out, err };
}

/** Every flag of the Python mcpo (src/mcpo/__init__.py, open-webui/mcpo at 788ff92). */
const PYTHON_FLAGS = [
  '--host', '-h', '--port', '-p', '--cors-allow-origins', '--api-key', '-k', '--strict-auth', '--env', '-e', '--env-path',
  '--type', '--server-type', '--config', '-c', '--name', '-n', '--description', '-d', '--version', '-v',
  '--ssl-certfile', '-t', '--ssl-keyfile', '-K', '--root-path', '--path-prefix', '--header', '-H', '--hot-reload', '--log-level',
];

describe('the Python mcpo command line', () => {
  it('has every flag of the Python mcpo, long and short', () => {
    const program = createProgram({ version: VERSION, defaultMaxConcurrentCalls: 32 });
    const known = new Set(program.options.flatMap((option) => [option.long, option.short]));
    expect(PYTHON_FLAGS.filter((flag) => !known.has(flag))).toEqual([]);
  });

  it('reads a command line written for the Python mcpo with its short forms', () => {
    const flags = flagsOf([
      '-h', '0.0.0.0', '-p', '9000', '-k', 'top-secret', '--strict-auth', '-c', 'config.json',
      '-n', 'My Tools', '-d', 'Tools for the team', '-v', '2.1.0', '-t', 'cert.pem', '-K', 'key.pem',
      '--type', 'streamable-http', '-H', '{"Authorization": "Bearer x"}', '-e', 'A=1', '--env-path', '.env',
      '--root-path', '/api/mcpo', '--path-prefix', '/tools', '--hot-reload', '--log-level', 'WARNING',
      '--cors-allow-origins', 'https://a.example', '--cors-allow-origins', 'https://b.example',
    ]);
    expect(flags).toMatchObject({
      host: '0.0.0.0', port: '9000', apiKey: 'top-secret', strictAuth: true, config: 'config.json',
      name: 'My Tools', description: 'Tools for the team', openapiVersion: '2.1.0', sslCertfile: 'cert.pem', sslKeyfile: 'key.pem',
      serverType: 'streamable-http', header: ['{"Authorization": "Bearer x"}'], env: ['A=1'], envPath: '.env',
      rootPath: '/api/mcpo', pathPrefix: '/tools', hotReload: true, logLevel: 'warn',
      corsAllowOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('takes a comma-separated list of CORS origins (or allowed hosts) in one flag', () => {
    expect(flagsOf(['--cors-allow-origins', 'https://a.example, https://b.example', '--', 'x']).corsAllowOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(flagsOf(['--allowed-hosts', 'a.internal,b.internal', '--', 'x']).allowedHosts).toEqual(['a.internal', 'b.internal']);
  });

  it('accepts the Python log level names in any case', () => {
    const levels = Object.fromEntries(
      ['DEBUG', 'INFO', 'WARNING', 'warning', 'Warn', 'ERROR', 'CRITICAL', 'silent'].map((name) => [name, flagsOf(['--log-level', name, '--', 'x']).logLevel]),
    );
    expect(levels).toEqual({ DEBUG: 'debug', INFO: 'info', WARNING: 'warn', warning: 'warn', Warn: 'warn', ERROR: 'error', CRITICAL: 'error', silent: 'silent' });
    const refused = exitOf(['--log-level', 'LOUD', '--', 'x']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--log-level "LOUD" is not a log level');
  });

  it("honours the Python mcpo's LOG_LEVEL variable below --log-level, and falls back to info with a warning on a value it does not know", () => {
    expect(flagsOf(['--', 'x'], { LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(flagsOf(['--log-level', 'error', '--', 'x'], { LOG_LEVEL: 'DEBUG' }).logLevel).toBe('error');
    const { result } = parse(['--', 'x'], { LOG_LEVEL: 'verbose' });
    expect(result).toMatchObject({ kind: 'serve', flags: { logLevel: 'info' }, warnings: [expect.stringContaining('LOG_LEVEL "verbose" is not a log level')] });
  });

  it('--type and --server-type are one option: either works, contradicting values are refused', () => {
    expect(flagsOf(['--type', 'sse', '--', 'http://h/sse']).serverType).toBe('sse');
    expect(flagsOf(['--server-type', 'sse', '--', 'http://h/sse']).serverType).toBe('sse');
    const refused = exitOf(['--type', 'sse', '--server-type', 'streamable-http', '--', 'http://h/sse']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('contradict');
    expect(exitOf(['--type', 'websocket', '--', 'x']).code).toBe(2);
  });
});

describe('conventions kept where the Python flags would break them', () => {
  it('prints the version for --version, -v and -V alone, and exits 0', () => {
    for (const flag of ['--version', '-v', '-V']) {
      const { code, out } = exitOf([flag]);
      expect(code, flag).toBe(0);
      expect(out, flag).toBe(`${VERSION}\n`);
    }
  });

  it("takes -v/--version VALUE as the document's info.version, like --openapi-version", () => {
    expect(flagsOf(['-v', '2.0', '--', 'x']).openapiVersion).toBe('2.0');
    expect(flagsOf(['--version=3.1', '--', 'x']).openapiVersion).toBe('3.1');
    expect(flagsOf(['--openapi-version', '4', '--', 'x']).openapiVersion).toBe('4');
    expect(flagsOf(['--', 'x']).openapiVersion).toBe(VERSION);
    expect(exitOf(['-v', '2.0', '--openapi-version', '3.0', '--', 'x']).code).toBe(2);
  });

  it('prints the help for -h alone and --help, listing the auth commands and examples', () => {
    for (const args of [['-h'], ['--help'], ['-h', '--', 'node', 'server.js']]) {
      const { code, out } = exitOf(args);
      expect(code, args.join(' ')).toBe(0);
      expect(out).toContain('-c, --config <file>');
      expect(out).toContain('mcpo auth login <server>');
      expect(out).toContain('mcpo auth status');
      expect(out).toContain('mcpo auth logout <server>');
      expect(out).toMatch(/Examples:\n {2}mcpo .* -- uvx mcp-server-time[^\n]*\n {2}mcpo --config config\.json/);
      expect(out.replace(/\s+/g, ' ')).toContain("KEY alone passes on KEY's current value");
    }
  });

  it('refuses --host without an address instead of printing the help', () => {
    const { code, err } = exitOf(['--host', '--port', '1', '--', 'x']);
    expect(code).toBe(2);
    expect(err).toContain('--host needs an address');
  });
});

describe('MCPO_* environment variables', () => {
  it('set options for containers, without the key on the command line', () => {
    const flags = flagsOf([], {
      MCPO_API_KEY: 'from-env',
      MCPO_PORT: '9001',
      MCPO_HOST: '0.0.0.0',
      MCPO_CONFIG: '/etc/mcpo.json',
      MCPO_STRICT_AUTH: 'true',
      MCPO_HOT_RELOAD: '1',
      MCPO_NO_BROWSER: 'yes',
      MCPO_CORS_ALLOW_ORIGINS: 'https://a.example,https://b.example',
      MCPO_LOG_LEVEL: 'WARNING',
      MCPO_SERVER_TYPE: 'sse',
      MCPO_HEADER: '{"X-A": "1, 2"}',
      MCPO_ISOLATED_ENV: 'on',
      MCPO_OPENAPI_VERSION: '5.0',
    });
    expect(flags).toMatchObject({
      apiKey: 'from-env', port: '9001', host: '0.0.0.0', config: '/etc/mcpo.json', strictAuth: true, hotReload: true, browser: false,
      corsAllowOrigins: ['https://a.example', 'https://b.example'], logLevel: 'warn', serverType: 'sse', header: ['{"X-A": "1, 2"}'],
      isolatedEnv: true, openapiVersion: '5.0',
    });
  });

  it('lose to the same option on the command line (and to its other spelling)', () => {
    const env = { MCPO_API_KEY: 'from-env', MCPO_PORT: '9001', MCPO_STRICT_AUTH: 'true', MCPO_SERVER_TYPE: 'stdio', MCPO_OPENAPI_VERSION: '5.0', MCPO_LOG_LEVEL: 'debug' };
    expect(flagsOf(['-k', 'from-flag', '-p', '9002', '--type', 'sse', '-v', '6.0', '--log-level', 'error', '--', 'http://h/sse'], env)).toMatchObject({
      apiKey: 'from-flag', port: '9002', serverType: 'sse', openapiVersion: '6.0', logLevel: 'error', strictAuth: true,
    });
  });

  it('are named in the flags they set, so a later message can say MCPO_PORT rather than --port', () => {
    expect(flagsOf(['-k', 'k', '--', 'x'], { MCPO_PORT: '1', MCPO_API_KEY: 'e', MCPO_NO_BROWSER: '1' }).fromEnvironment).toEqual({
      '--port': 'MCPO_PORT',
      '--no-browser': 'MCPO_NO_BROWSER',
    });
    expect(flagsOf(['--', 'x']).fromEnvironment).toBeUndefined();
  });

  it('count as unset when empty, and false when false', () => {
    expect(flagsOf(['--', 'x'], { MCPO_API_KEY: '', MCPO_STRICT_AUTH: 'false', MCPO_NO_BROWSER: '0' })).toMatchObject({ strictAuth: false, browser: true });
    expect(flagsOf(['--', 'x'], { MCPO_API_KEY: '' }).apiKey).toBeUndefined();
  });

  it('refuse values they cannot mean, naming the variable', () => {
    expect(exitOf(['--', 'x'], { MCPO_STRICT_AUTH: 'maybe' }).err).toContain('MCPO_STRICT_AUTH must be true or false');
    expect(exitOf(['--', 'x'], { MCPO_SERVER_TYPE: 'websocket' }).err).toContain('MCPO_SERVER_TYPE "websocket"');
    expect(exitOf(['--', 'x'], { MCPO_LOG_LEVEL: 'LOUD' }).err).toContain('MCPO_LOG_LEVEL "LOUD" is not a log level');
    expect(exitOf(['--', 'x'], { MCPO_HOT_RELOAD: 'maybe' }).code).toBe(2);
  });

  it('exist for every option but --env, --version, --help and -V, and the README lists each of them', () => {
    const program = createProgram({ version: VERSION, defaultMaxConcurrentCalls: 32 });
    const variables = program.options.map(environmentVariableOf).filter((name): name is string => name !== undefined);
    expect(variables).toContain('MCPO_API_KEY');
    expect(variables).not.toContain('MCPO_ENV');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(variables.filter((name) => !readme.includes(name))).toEqual([]);
  });
});
