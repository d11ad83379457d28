/**
 * Issue #14 item 2, played by a second Unix user: while a server waited for OAuth, another local user read
 * the authorization URL (state included) from /healthz or a 503, approved as themselves, and the callback
 * took their code: mcpo saved the attacker's grant. The attacker here reads everything mcpo publishes
 * without a key and opens every link in it; nothing may reach the token endpoint, and the operator's own
 * login (the link on the console) must still work afterwards.
 *
 * Then the same through the browser mcpo launches: its link sat on the command line of xdg-open and of the
 * browser, which every local user can read in /proc/PID/cmdline. The attacker watched for it, opened it
 * before the (slow to start) browser did, approved, and mcpo saved the attacker's grant.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer } from '../../examples/oauth-server/index.js';
import { NOT_ROOT, otherUser, runNodeAs } from '../helpers/otherUser.js';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { CookieJar, freePort } from '../oauth/flows/harness.js';

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

/** One browser visit, as the attacker's and the fake browser's logs record it. */
const BROWSE = `
async function browse(url) {
  const jar = new Map();
  const visited = [];
  let current = new URL(url);
  let res;
  for (let i = 0; i < 10; i++) {
    const cookies = jar.get(current.hostname) ?? new Map();
    visited.push(current.href);
    res = await fetch(current, { redirect: 'manual', headers: cookies.size ? { cookie: [...cookies].map(([k, v]) => k + '=' + v).join('; ') } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(current.hostname, cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()));
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) break;
    await res.text();
    current = new URL(location, current);
  }
  const page = await res.text();
  return { url, visited, status: res.status, title: /<h1>(.*?)<\\/h1>/.exec(page)?.[1] };
}
`;

/** Watches every process's command line for a link to mcpo's loopback login (on PORT) and opens it first. */
const RACE = `${BROWSE}
import { readdirSync, readFileSync } from 'node:fs';
const deadline = Date.now() + 15000;
for (;;) {
  let link;
  for (const pid of readdirSync('/proc').filter((name) => /^\\d+$/.test(name))) {
    let cmdline = '';
    try { cmdline = readFileSync('/proc/' + pid + '/cmdline', 'utf8'); } catch {}
    link ??= new RegExp('http://127\\\\.0\\\\.0\\\\.1:' + process.env.PORT + '/start[^\\\\s\\\\0]*').exec(cmdline)?.[0];
  }
  if (link) { console.log(JSON.stringify(await browse(link).catch((error) => ({ url: link, visited: [], status: 0, error: String(error) })))); break; }
  if (Date.now() > deadline) { console.log('null'); break; }
  await new Promise((resolve) => setTimeout(resolve, 10));
}
`;

const FAKE_BROWSER = new URL('../helpers/fakeBrowser.mjs', import.meta.url).pathname;
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

  it('cannot take over the login from the command line of the browser mcpo launches', async () => {
    const server = await startOAuthExampleServer({ port: 0, autoApprove: true });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-argv-'));
    chmodSync(dir, 0o755);
    const config = join(dir, 'config.json');
    const browserLog = join(dir, 'browser.log');
    const port = await freePort();
    writeFileSync(config, JSON.stringify({ mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { callback_port: port } } } }));
    // xdg-open (the `open` package's copy) finds no desktop handler here and runs $BROWSER with the link.
    const nowhere = join(dir, 'nowhere');
    const env = {
      MCPO_HOME: join(dir, 'home'),
      DISPLAY: ':0',
      BROWSER: FAKE_BROWSER,
      FAKE_BROWSER_DELAY_MS: '3000',
      FAKE_BROWSER_LOG: browserLog,
      XDG_CONFIG_HOME: nowhere,
      XDG_CONFIG_DIRS: nowhere,
      XDG_DATA_HOME: nowhere,
      XDG_DATA_DIRS: nowhere,
      XDG_CURRENT_DESKTOP: '',
    };
    const attacker = runNodeAs(user!, RACE, { PORT: String(port) });
    const mcpo = await startMcpo(['--config', config, '--port', '0'], { env });
    running.push(mcpo);

    const attack = await attacker;
    expect(attack.stderr).toBe('');
    const visit = JSON.parse(attack.stdout) as { url: string; visited: string[]; status: number } | null;
    expect(visit, 'the attacker should have found the launched link on a command line').not.toBeNull();
    // The link on the command line leads the attacker nowhere: not to the authorization server, nor back with a code.
    expect(visit!.visited.every((href) => new URL(href).origin !== server.url)).toBe(true);
    expect(visit!.status).toBe(403);
    expect(visit!.url).not.toContain('ticket=');
    expect(server.stats().authorizationCodeRequests).toBe(0);

    // The operator's browser, once started, logs in.
    await expect
      .poll(async () => ((await (await fetch(`${mcpo.url}/healthz`)).json()) as Health).servers.secure?.state, { timeout: 15_000 })
      .toBe('connected');
    expect(server.stats().authorizationCodeRequests).toBe(1);
    const launched = JSON.parse(readFileSync(browserLog, 'utf8').trim()) as { title: string };
    expect(launched.title).toBe('mcpo is authorized');
    expect(mcpo.output()).toMatch(new RegExp(`another local user \\(uid ${user!.uid}\\) tried to open the login link; refused`));
  }, 60_000);
});

