/**
 * [slow] Per-user OAuth servers (issue #17) end to end: the real CLI (bin/mcpo.js) with --public-url and two users
 * with keys of their own, the example OAuth server (consent page on, approving as any subject), and headless
 * Chromium as each user's browser. Each user calls whoami, gets 401 with their own link, opens it, sees the page name
 * them, connects with their key, approves as their own subject, and their next call says that subject. A link made
 * for Alice opened by Bob links nothing without Alice's key. Idle sessions close and reopen; one user's refresh does
 * not hold another's calls. Fails, rather than skips, when Chromium is missing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthExampleServer, type OAuthExampleServer, type OAuthExampleServerOptions } from '../../examples/oauth-server/index.js';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';
import { freePort } from '../oauth/flows/harness.js';
import { connectOverHttp, userWithKey } from '../oauth/flows/perUserHelpers.js';

const KEYS = { alice: 'alice-key-3f9c2b7e5a1d', bob: 'bob-key-8e4d1c6b2a9f' } as const;
type User = keyof typeof KEYS;

const processes: McpoProcess[] = [];
const servers: OAuthExampleServer[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Service {
  server: OAuthExampleServer;
  base: string;
  mcpo: McpoProcess;
  /** POST /secure/whoami with the user's key: status and body. */
  whoami(user: User): Promise<{ status: number; body: any }>;
  /** The user's link from their 401. */
  linkOf(user: User): Promise<string>;
  sessions(): Promise<number>;
}

/** The example server, and mcpo (the CLI) serving it as a per-user server to alice and bob. */
async function service(perUser: { perUserIdleTimeout?: number } = {}, serverOptions: OAuthExampleServerOptions = {}): Promise<Service> {
  const server = await startOAuthExampleServer({ port: 0, autoApprove: false, ...serverOptions });
  servers.push(server);
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-e2e-peruser-'));
  const config = join(dir, 'config.json');
  const users = Object.fromEntries(Object.entries(KEYS).map(([name, key]) => [name, { keyHash: userWithKey(name, key).keyHash }]));
  writeFileSync(config, JSON.stringify({ users, mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth: { perUser: true, ...perUser } } } }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // A container has no display: mcpo launches no browser.
  const mcpo = await startMcpo(['--config', config, '--port', String(port), '--public-url', base], { env: { MCPO_HOME: join(dir, 'home'), DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: 'true' } });
  processes.push(mcpo);
  const whoami = async (user: User) => {
    const res = await fetch(`${base}/secure/whoami`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS[user]}` }, body: '{}' });
    return { status: res.status, body: (await res.json()) as any };
  };
  const linkOf = async (user: User) => {
    const answer = await whoami(user);
    expect(answer.status, JSON.stringify(answer.body)).toBe(401);
    return answer.body.error.details.authorizationUrl as string;
  };
  const sessions = async () => ((await (await fetch(`${base}/healthz`)).json()) as any).servers.secure.perUser.sessions as number;
  return { server, base, mcpo, whoami, linkOf, sessions };
}

/** What the user does with the link: their page, their key, Connect, approve as `subject`, back on mcpo. */
async function connectInBrowser(page: Page, link: string, user: User, subject: string): Promise<void> {
  expect((await page.goto(link))?.status()).toBe(200);
  expect(await page.locator('#mcpo-user').innerText()).toBe(user);
  await page.getByLabel(`${user}'s mcpo key`).fill(KEYS[user]);
  await page.getByRole('button', { name: `Connect secure as ${user}` }).click();
  await page.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 10_000 });
  await page.getByLabel('Approve as').fill(subject);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.waitForURL((url) => url.pathname === '/oauth/callback', { timeout: 10_000 });
  expect(await page.locator('h1').innerText()).toBe('mcpo is authorized');
}

/** The subject whoami says for `user`, once their tokens are saved (the callback page comes first). */
async function subjectOf(svc: Service, user: User): Promise<string> {
  await expect.poll(async () => (await svc.whoami(user)).status, { timeout: 10_000 }).toBe(200);
  return (await svc.whoami(user)).body.subject as string;
}

describe('per-user OAuth servers in a browser [slow]', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('each user connects their own account from the link of their 401, and whoami answers each with their own subject', async () => {
    const svc = await service();
    const alicePage = await (await browser.newContext()).newPage();
    const bobPage = await (await browser.newContext()).newPage();
    const aliceLink = await svc.linkOf('alice');
    const bobLink = await svc.linkOf('bob');
    expect(new URL(aliceLink).searchParams.get('user')).toBe('alice');
    expect(new URL(bobLink).searchParams.get('user')).toBe('bob');

    // Alice forwarded her link to Bob: his browser shows a page naming alice, and his own key links nothing.
    expect((await bobPage.goto(aliceLink))?.status()).toBe(200);
    expect(await bobPage.locator('#mcpo-user').innerText()).toBe('alice');
    expect(await bobPage.locator('body').innerText()).toContain('If you are not alice (this link was forwarded to you), close this page');
    await bobPage.getByLabel("alice's mcpo key").fill(KEYS.bob);
    await bobPage.getByRole('button', { name: 'Connect secure as alice' }).click();
    await expect.poll(() => bobPage.locator('.notice').innerText()).toBe("That is not alice's mcpo key: nothing was changed. Only alice can connect or disconnect an account here.");
    expect(svc.server.stats().authorizationRequests).toBe(0);
    expect((await svc.whoami('alice')).status).toBe(401);

    await connectInBrowser(alicePage, aliceLink, 'alice', 'alice-subject');
    await connectInBrowser(bobPage, bobLink, 'bob', 'bob-subject');
    expect(await subjectOf(svc, 'alice')).toBe('alice-subject');
    expect(await subjectOf(svc, 'bob')).toBe('bob-subject');
    const together = await Promise.all((['alice', 'bob', 'alice', 'bob'] as const).map((user) => svc.whoami(user)));
    expect(together.map((a) => a.body.subject)).toEqual(['alice-subject', 'bob-subject', 'alice-subject', 'bob-subject']);
    expect(await svc.sessions()).toBe(2);
    // Alice's page now shows her connected; the log names users, never their keys.
    await alicePage.goto(aliceLink);
    expect(await alicePage.locator('h2').first().innerText()).toMatch(/^secure\s+connected$/);
    expect(svc.mcpo.output()).toContain('user session opened server=secure user=alice');
    for (const key of Object.values(KEYS)) expect(svc.mcpo.output()).not.toContain(key);
  }, 90_000);

  it('closes an idle user session and opens it again on the user\'s next call, with their saved tokens', async () => {
    const svc = await service({ perUserIdleTimeout: 1 });
    expect(await connectOverHttp(await svc.linkOf('alice'), 'alice-subject', { key: KEYS.alice })).toContain('mcpo is authorized');
    expect(await subjectOf(svc, 'alice')).toBe('alice-subject');
    expect(await svc.sessions()).toBe(1);
    await expect.poll(() => svc.sessions(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => svc.server.sessionCounts().streamableHttp, { timeout: 10_000 }).toBe(0);
    expect(svc.mcpo.output()).toMatch(/user session closed server=secure user=alice why=idle/);
    const authorizations = svc.server.stats().authorizationRequests;
    expect((await svc.whoami('alice')).body.subject).toBe('alice-subject');
    expect(await svc.sessions()).toBe(1);
    expect(svc.server.stats().authorizationRequests).toBe(authorizations);
  }, 60_000);

  it('refreshes one user\'s token while another calls: neither waits for the other, each keeps their own subject', async () => {
    const svc = await service({}, { accessTokenTtlSeconds: 2 });
    for (const [user, subject] of [['alice', 'alice-subject'], ['bob', 'bob-subject']] as const) {
      expect(await connectOverHttp(await svc.linkOf(user), subject, { key: KEYS[user] })).toContain('mcpo is authorized');
      expect(await subjectOf(svc, user)).toBe(subject);
    }
    // Both access tokens expire; Alice's refresh answer is held until Bob has called (and refreshed) twice.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const refreshesBefore = svc.server.stats().refreshRequests;
    let release!: () => void;
    svc.server.delayNextTokenAnswers(1, new Promise<void>((resolve) => (release = resolve)));
    const alice = svc.whoami('alice');
    await expect.poll(() => svc.server.stats().refreshRequests, { timeout: 10_000 }).toBe(refreshesBefore + 1);
    const bob = [await svc.whoami('bob'), await svc.whoami('bob')];
    expect(bob.map((a) => [a.status, a.body.subject])).toEqual([[200, 'bob-subject'], [200, 'bob-subject']]);
    expect(svc.server.stats().refreshRequests).toBeGreaterThanOrEqual(refreshesBefore + 2);
    release();
    const answered = await alice;
    expect([answered.status, answered.body.subject]).toEqual([200, 'alice-subject']);
    expect((await svc.whoami('alice')).body.subject).toBe('alice-subject');
    expect((await svc.whoami('bob')).body.subject).toBe('bob-subject');
  }, 60_000);
});
