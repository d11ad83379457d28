/**
 * The real CLI (bin/mcpo.js) against the example OAuth server: the proxy serves another server while the
 * OAuth one waits for the user, prints the authorization URL on its own line, answers 503
 * NEEDS_AUTHORIZATION with the URL, connects once the "browser" approved, keeps the tokens 0600 under
 * MCPO_HOME; then `mcpo auth status` and `mcpo auth logout` work on the same files.
 */
import { mkdtempSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer } from '../../examples/oauth-server/index.js';
import { REPO, runMcpo, startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { CookieJar } from '../oauth/flows/harness.js';

const running: McpoProcess[] = [];
const servers: OAuthExampleServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Health = { servers: Record<string, { state: string; authorizationUrl?: string }> };

describe('mcpo with an OAuth-protected server, end to end', () => {
  it('serves other servers while waiting, connects after approval, and the auth commands see the saved login', async () => {
    const server = await startOAuthExampleServer({ port: 0, autoApprove: true });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-oauth-'));
    const home = join(dir, 'home');
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        mcpServers: {
          secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } },
          demo: { command: process.execPath, args: [join(REPO, 'examples/stdio-demo/server.mjs')] },
        },
      }),
    );
    // BROWSER=true: xdg-open "opens" the URL with /bin/true; this test is the browser.
    const env = { MCPO_HOME: home, BROWSER: 'true', DISPLAY: '', WAYLAND_DISPLAY: '' };
    const mcpo = await startMcpo(['--config', config, '--port', '0', '--no-browser'], { env });
    running.push(mcpo);

    let url = '';
    await expect
      .poll(async () => {
        const health = (await (await fetch(`${mcpo.url}/healthz`)).json()) as Health;
        url = health.servers.secure?.authorizationUrl ?? '';
        return [health.servers.secure?.state, health.servers.demo?.state, url !== ''];
      }, { timeout: 15_000 })
      .toEqual(['needs_authorization', 'connected', true]);
    // /healthz publishes mcpo's login page without its ticket; the console has the link to open (issue #14).
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start$/);
    const link = mcpo.output().split('\n').find((line) => line.startsWith(`${url}?ticket=`)) ?? '';
    expect(link).not.toBe('');
    expect(mcpo.output()).toContain('mcpo: not opening a browser (--no-browser).');
    const echo = await fetch(`${mcpo.url}/demo/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"meanwhile"}' });
    expect(await echo.json()).toBe('meanwhile');
    const waiting = await fetch(`${mcpo.url}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"x"}' });
    expect(waiting.status).toBe(503);
    const body = (await waiting.json()) as { error: { code: string; details: { authorizationUrl: string } } };
    expect(body.error.code).toBe('NEEDS_AUTHORIZATION');
    expect(body.error.details.authorizationUrl).toBe(url);

    await (await new CookieJar().fetch(link)).text(); // the user opens the console's link and approves
    await expect
      .poll(async () => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as Health).servers.secure?.state, { timeout: 15_000 })
      .toBe('connected');
    const secured = await fetch(`${mcpo.url}/secure/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"authorized"}' });
    expect(secured.status).toBe(200);
    expect(JSON.stringify(await secured.json())).toContain('authorized');
    await mcpo.stop('SIGTERM');

    const tokens = join(home, 'tokens');
    expect(statSync(tokens).mode & 0o777).toBe(0o700);
    const files = readdirSync(tokens).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    expect(statSync(join(tokens, files[0]!)).mode & 0o777).toBe(0o600);

    const status = await runMcpo(['auth', 'status', '--config', config], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^secure: authorized {2}expires /);
    const logout = await runMcpo(['auth', 'logout', 'secure', '--config', config], { env });
    expect(logout.code).toBe(0);
    expect(server.stats().revocationRequests).toBe(2);
    expect(readdirSync(tokens).filter((f) => f.endsWith('.json'))).toEqual([]);
    const usage = await runMcpo(['auth', 'login', 'nope', '--config', config], { env });
    expect(usage.code).toBe(2);
  }, 60_000);
});
