/**
 * --public-url, MCPO_PUBLIC_URL and the config file's top-level `publicUrl` (issue #16): which wins, how the
 * prefixes are derived from it, and the start-up error naming what the user wrote when they contradict it.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRunOptions } from '../../src/cli/options.js';
import { parseCommandLine } from '../../src/cli/program.js';
import { captureLogger } from '../oauth/storeHelpers.js';

async function configFile(publicUrl?: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'mcpo-public-')), 'config.json');
  await writeFile(file, JSON.stringify({ ...(publicUrl ? { publicUrl } : {}), mcpServers: { demo: { command: 'node', args: ['x.mjs'] } } }));
  return file;
}

async function optionsFor(args: string[], env: Record<string, string> = {}) {
  const parsed = parseCommandLine(['node', 'mcpo', ...args], { env, version: '1.0.0', defaultMaxConcurrentCalls: 32, writeOut: () => {}, writeErr: () => {} });
  if (parsed.kind !== 'serve') throw new Error(`expected to serve, got exit ${parsed.code}`);
  return buildRunOptions(parsed.flags, parsed.serverArgs, { env, logger: captureLogger().logger, version: '1.0.0' });
}

describe('the public URL on the command line and in the config file', () => {
  it('takes --public-url and derives the root path a stripping proxy needs', async () => {
    const options = await optionsFor(['--public-url', 'http://127.0.0.1:8080/tools/mcpo/', '--', 'uvx', 'mcp-server-time']);
    expect(options).toMatchObject({ publicUrl: 'http://127.0.0.1:8080/tools/mcpo', rootPath: '/tools/mcpo', pathPrefix: '' });
  });

  it('takes MCPO_PUBLIC_URL, and the config file\'s publicUrl below both', async () => {
    const config = await configFile('https://from.config/mcpo');
    expect((await optionsFor(['--config', config])).publicUrl).toBe('https://from.config/mcpo');
    expect((await optionsFor(['--config', config], { MCPO_PUBLIC_URL: 'https://from.env/x' })).publicUrl).toBe('https://from.env/x');
    expect((await optionsFor(['--config', config, '--public-url', 'https://from.flag/y'], { MCPO_PUBLIC_URL: 'https://from.env/x' })).publicUrl).toBe('https://from.flag/y');
    expect((await optionsFor(['--config', await configFile()])).publicUrl).toBeUndefined();
  });

  it('refuses prefixes that contradict it, naming the variable or the config key that set it', async () => {
    await expect(optionsFor(['--root-path', '/a', '--path-prefix', '/b', '--', 'x'], { MCPO_PUBLIC_URL: 'https://h/tools' })).rejects.toThrow(
      /^MCPO_PUBLIC_URL https:\/\/h\/tools has the path "\/tools", but --root-path \/a and --path-prefix \/b make "\/a\/b"/,
    );
    const config = await configFile('https://h/tools');
    await expect(optionsFor(['--config', config, '--path-prefix', '/api'])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/config\.json: publicUrl https:\/\/h\/tools .* does not end with --path-prefix \/api/) });
  });

  it('reads --forwarded-allow-ips as IP addresses or *, and refuses names', async () => {
    expect((await optionsFor(['--forwarded-allow-ips', '127.0.0.1, [::1]', '--', 'x'])).forwardedAllowIps).toEqual(['127.0.0.1', '::1']);
    expect((await optionsFor(['--', 'x'], { MCPO_FORWARDED_ALLOW_IPS: '*' })).forwardedAllowIps).toBe('*');
    await expect(optionsFor(['--forwarded-allow-ips', 'proxy.internal', '--', 'x'])).rejects.toThrow(/--forwarded-allow-ips takes IP addresses of proxies \(or \* for any\), got "proxy.internal"/);
  });
});

describe('per-user OAuth servers need the callback on mcpo\'s port (issue #17)', () => {
  async function perUserConfig(oauth: Record<string, unknown>, publicUrl?: string): Promise<string> {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'mcpo-peruser-')), 'config.json');
    await writeFile(file, JSON.stringify({ ...(publicUrl ? { publicUrl } : {}), mcpServers: { linear: { url: 'https://mcp.example.com/mcp', oauth: { perUser: true, ...oauth } } } }));
    return file;
  }

  it('refuses a per-user server without a public URL or "redirect": "server", naming the file and the key', async () => {
    const config = await perUserConfig({});
    await expect(optionsFor(['--config', config])).rejects.toThrow(`${config}: mcpServers.linear.oauth.perUser: needs the OAuth callback on mcpo's own port`);
  });

  it('accepts one with --public-url, the file\'s publicUrl, or "redirect": "server"', async () => {
    expect((await optionsFor(['--config', await perUserConfig({}), '--public-url', 'https://tools.example/mcpo'])).servers).toHaveLength(1);
    expect((await optionsFor(['--config', await perUserConfig({}, 'https://tools.example/mcpo')])).servers).toHaveLength(1);
    expect((await optionsFor(['--config', await perUserConfig({ redirect: 'server' })])).servers).toHaveLength(1);
  });
});

