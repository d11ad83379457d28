/**
 * Issue #14 item 2, played by a second Unix user: while a server waited for OAuth, another local user read
 * the authorization URL (state included) from /healthz or a 503, approved as themselves, and the callback
 * took their code: mcpo saved the attacker's grant. The attacker here reads everything mcpo publishes
 * without a key and opens every link in it; nothing may reach the token endpoint, and the operator's own
 * login (the link on the console) must still work afterwards.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer } from '../../examples/oauth-server/index.js';
import { NOT_ROOT, otherUser, runNodeAs } from '../helpers/otherUser.js';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { CookieJar } from '../oauth/flows/harness.js';

type Health = { servers: Record<string, { state: string; authorizationUrl?: string }> };

/** What a local attacker can read without a key: /healthz, a refused call's details, then every link opened. */
const ATTACK = `
const base = process.env.MCPO;
const links = new Set();
const health = await (await fetch(base + '/healthz')).json();
for (const s of Object.values(health.servers)) if (s.authorizationUrl) links.add(s.authorizationUrl);
const refused = await (await fetch(base + '/secure/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"x"}' })).json();
if (refused.error?.details?.authorizationUrl) links.add(refused.error.details.authorizationUrl);
const opened = [];
for (const link of links) {
  const res = await fetch(link);
  opened.push({ link, status: res.status, landed: res.url });
  await res.text();
}
console.log(JSON.stringify(opened));
`;

const user = otherUser();
const servers: OAuthExampleServer[] = [];
const running: McpoProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGTERM')));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe.skipIf(!user)(`another local user (${user ? user.name : NOT_ROOT})`, () => {
  it('cannot complete a pending login with their own grant from what mcpo publishes; the operator still can', async () => {
    const server = await startOAuthExampleServer({ port: 0, autoApprove: true });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-attacker-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: 0 } } } }));
    const env = { MCPO_HOME: join(dir, 'home'), BROWSER: 'true', DISPLAY: '', WAYLAND_DISPLAY: '' };
    const mcpo = await startMcpo(['--config', config, '--port', '0', '--no-browser'], { env });
    running.push(mcpo);
    await expect
      .poll(async () => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as Health).servers.secure?.authorizationUrl ?? '', { timeout: 15_000 })
      .not.toBe('');

    const attack = await runNodeAs(user!, ATTACK, { MCPO: mcpo.url });
    expect(attack.stderr).toBe('');
    const opened = JSON.parse(attack.stdout) as Array<{ link: string; status: number; landed: string }>;
    expect(opened.length).toBeGreaterThan(0);
    // Nothing the attacker could read leads to the authorization server, let alone back with a code.
    for (const visit of opened) expect(new URL(visit.landed).origin).not.toBe(server.url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.stats().authorizationCodeRequests).toBe(0);
    expect(((await (await fetch(`${mcpo.url}/healthz`)).json()) as Health).servers.secure?.state).toBe('needs_authorization');

    // The operator opens the link on their console and approves.
    const link = mcpo.output().split('\n').find((line) => /^http:\/\/127\.0\.0\.1:\d+\/start\?ticket=/.test(line));
    expect(link).toBeDefined();
    await (await new CookieJar().fetch(link!)).text();
    await expect
      .poll(async () => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as Health).servers.secure?.state, { timeout: 15_000 })
      .toBe('connected');
    expect(server.stats().authorizationCodeRequests).toBe(1);
  }, 60_000);
});
