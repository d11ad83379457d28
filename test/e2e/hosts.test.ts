/**
 * DNS-rebinding protection as run() wires it: a loopback mcpo answers only requests addressed to
 * loopback names; a page whose own name was rebound to 127.0.0.1 still sends its own Host and is refused.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { run, type Running } from '../../src/run.js';
import { capturingLogger } from '../helpers/logs.js';
import { demoEntry } from '../mcp/fixtures.js';

const proxies: Running[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function start(allowedHosts?: readonly string[] | '*') {
  const proxy = await run({
    servers: [demoEntry()],
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    parentEnv: process.env,
    info: { title: 'hosts', version: '1' },
    ...(allowedHosts ? { allowedHosts } : {}),
  });
  proxies.push(proxy);
  await proxy.manager.settled();
  return proxy;
}

/** POST /demo/echo with a chosen Host header (fetch does not let us set it). */
function echoWithHost(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/demo/echo', method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ message: 'hi' }));
  });
}

it('a loopback mcpo refuses requests addressed to another host name with 403 HOST_NOT_ALLOWED', async () => {
  const proxy = await start();
  const evil = await echoWithHost(proxy.port, `evil.example:${proxy.port}`);
  expect(evil.status).toBe(403);
  expect(JSON.parse(evil.body)).toMatchObject({ error: { code: 'HOST_NOT_ALLOWED' } });
  // The refusal names the flag that would serve the host, so nobody has to find it in the README.
  expect(JSON.parse(evil.body).error.message).toContain('--allowed-hosts evil.example');
  for (const host of [`localhost:${proxy.port}`, `127.0.0.1:${proxy.port}`, `[::1]:${proxy.port}`]) {
    expect((await echoWithHost(proxy.port, host)).status).toBe(200);
  }
});

it('allowedHosts names extra hosts (a reverse proxy forwarding its public Host), or * for any', async () => {
  const named = await start(['mcpo.internal']);
  expect((await echoWithHost(named.port, 'mcpo.internal')).status).toBe(200);
  expect((await echoWithHost(named.port, 'evil.example')).status).toBe(403);
  const any = await start('*');
  expect((await echoWithHost(any.port, 'evil.example')).status).toBe(200);
});

describe('an mcpo others can call without an API key', () => {
  async function warnings(options: { host: string; apiKey?: string; allowedHosts?: readonly string[] | '*'; forwardedAllowIps?: readonly string[] | '*' }): Promise<string[]> {
    const logger = capturingLogger('info');
    const proxy = await run({ servers: [], port: 0, logger, parentEnv: process.env, info: { title: 'hosts', version: '1' }, ...options });
    proxies.push(proxy);
    return logger.lines.filter((line) => line.includes(' WARN '));
  }

  it('says so in one warning line at start-up, with the two ways to close it (issue #14)', async () => {
    const [line, ...others] = await warnings({ host: '0.0.0.0' });
    expect(others).toEqual([]);
    expect(line).toMatch(/listening on 0\.0\.0\.0 without an API key: anyone who can reach port \d+ can call every tool, and so can any web page the user visits, through DNS rebinding/);
    expect(line).toContain('--api-key');
    expect(line).toContain('--allowed-hosts');
  });

  it('names only the key when the Host names are listed, and nothing when there is a key or only loopback listens', async () => {
    const [line] = await warnings({ host: '0.0.0.0', allowedHosts: ['mcpo.internal'] });
    expect(line).toMatch(/anyone who can reach port \d+ can call every tool; to close it, set --api-key \(or MCPO_API_KEY\)$/);
    expect(await warnings({ host: '0.0.0.0', apiKey: 'k' })).toEqual([]);
    expect(await warnings({ host: '127.0.0.1' })).toEqual([]);
    expect((await warnings({ host: '127.0.0.1', allowedHosts: '*' }))[0]).toContain('any web page the user visits can call every tool through DNS rebinding');
  });

  it('warns when every peer\'s X-Forwarded-For is believed without a key: anyone could claim to be this machine (issue #16)', async () => {
    expect(await warnings({ host: '127.0.0.1', forwardedAllowIps: '*' })).toEqual([
      expect.stringContaining('--forwarded-allow-ips * without an API key: any client can send X-Forwarded-For: 127.0.0.1'),
    ]);
    expect(await warnings({ host: '127.0.0.1', forwardedAllowIps: ['10.0.0.5'] })).toEqual([]);
    expect(await warnings({ host: '127.0.0.1', forwardedAllowIps: '*', apiKey: 'k' })).toEqual([]);
  });
});
