/**
 * Per-user OAuth servers (issue #17): what an idle user session costs mcpo, and what opening one on demand adds to
 * a user's first call. mcpo (bin/mcpo.js, its own process) serves the example OAuth server (in the orchestrator,
 * auto-approving) as a per-user server to N users with keys of their own. The first user logs in over HTTP (their
 * link, Connect, back on the callback), which registers mcpo's client; the others' tokens are minted by the example
 * server for that client and saved as a login would have. Then each user calls `whoami` once, one after another
 * (first call: session opened on demand, no login), mcpo idles, its RSS is read, and each calls again (warm).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOAuthExampleServer } from '../examples/oauth-server/index.js';
import { storeIdentity, type OAuthEntry } from '../src/oauth/setup.js';
import { FileTokenStore } from '../src/oauth/store/fileTokenStore.js';
import { freePort, memoryOf, sleep, spawnChild } from './proc.js';
import { IDLE_SETTLE_MS } from './scale.js';
import { percentile } from './stats.js';

export interface PerUserResult {
  users: number;
  /** mcpo's RSS with one user session open, after IDLE_SETTLE_MS idle, bytes. */
  baseRss: number;
  /** mcpo's RSS with every user's session open, idle, bytes. */
  allRss: number;
  /** (allRss - baseRss) / (users - 1), bytes. */
  rssPerSession: number;
  /** ms of each user's first call (session opened on demand), and of their next (warm). */
  first: { p50: number; p99: number; max: number };
  warm: { p50: number; p99: number; max: number };
}

const keyOf = (user: string) => `bench-key-of-${user}-0123456789abcdef`;

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
}

/** Logs the user in over HTTP like their browser would: their link, Connect with their key, the auto-approval, the callback. */
async function login(base: string, user: string, call: (user: string) => Promise<Response>): Promise<void> {
  const link = ((await (await call(user)).json()) as { error: { details: { authorizationUrl: string } } }).error.details.authorizationUrl;
  const page = await (await fetch(link)).text();
  const fields = Object.fromEntries([...page.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#38;/g, '&')]));
  const started = await fetch(`${base}/oauth/user/connect`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ ...fields, key: keyOf(user) }).toString(),
  });
  const cookie = started.headers.get('set-cookie')!.split(';')[0]!;
  const approved = await fetch(started.headers.get('location')!, { redirect: 'manual' });
  await (await fetch(approved.headers.get('location')!, { headers: { cookie } })).text();
  for (let i = 0; i < 100 && (await call(user)).status !== 200; i++) await sleep(50);
}

export async function runPerUser(options: { repoRoot: string; users: number; bin?: string }): Promise<PerUserResult> {
  const server = await startOAuthExampleServer({ port: 0, autoApprove: true });
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-bench-peruser-'));
  const home = join(dir, 'home');
  const names = Array.from({ length: options.users }, (_, i) => `user${String(i).padStart(3, '0')}`);
  const users = Object.fromEntries(names.map((name) => [name, { keyHash: `sha256:${createHash('sha256').update(keyOf(name)).digest('hex')}` }]));
  const config = join(dir, 'config.json');
  const oauth = { perUser: true, perUserMaxSessions: options.users, perUserIdleTimeout: 3600 };
  writeFileSync(config, JSON.stringify({ users, mcpServers: { secure: { type: 'streamable-http', url: server.mcpUrl, oauth } } }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnChild(
    process.execPath,
    [options.bin ?? join(options.repoRoot, 'bin/mcpo.js'), '--config', config, '--host', '127.0.0.1', '--port', String(port), '--public-url', base, '--log-level', 'warn'],
    { cwd: options.repoRoot, env: { ...process.env, MCPO_HOME: home, DISPLAY: '', WAYLAND_DISPLAY: '', BROWSER: 'true' } },
  );
  const call = (user: string) =>
    fetch(`${base}/secure/whoami`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keyOf(user)}` }, body: '{}' });
  const timed = async (user: string): Promise<number> => {
    const started = performance.now();
    const res = await call(user);
    const body = (await res.json()) as { subject?: string };
    if (res.status !== 200) throw new Error(`${user}: ${res.status} ${JSON.stringify(body)}`);
    return performance.now() - started;
  };
  try {
    for (let i = 0; ; i++) {
      if (child.process.exitCode !== null) throw new Error(`mcpo exited:\n${child.stderr().slice(-2000)}`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
      if (i > 3000) throw new Error('mcpo did not listen');
      await sleep(5);
    }
    await login(base, names[0]!, call);
    const entry = { kind: 'streamable-http', name: 'secure', url: server.mcpUrl, headers: {}, disabledTools: [], oauth: {} } as unknown as OAuthEntry;
    const saved = await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry, names[0]) }).load();
    if (!saved?.client) throw new Error('the first user\'s login saved no client');
    for (const user of names.slice(1)) {
      const { expires_in: expiresIn, ...tokens } = server.issueTokens({ clientId: saved.client.client_id, subject: `${user}-subject` });
      await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry, user) }).save({ ...saved, tokens: { ...tokens, ...(expiresIn ? { expires_at: Date.now() + expiresIn * 1000, lifetime_seconds: expiresIn } : {}) } });
    }
    await timed(names[0]!);
    await sleep(IDLE_SETTLE_MS);
    const baseRss = memoryOf(child.pid)?.rss ?? Number.NaN;
    const first: number[] = [];
    for (const user of names.slice(1)) first.push(await timed(user));
    await sleep(IDLE_SETTLE_MS);
    const allRss = memoryOf(child.pid)?.rss ?? Number.NaN;
    const warm: number[] = [];
    for (const user of names.slice(1)) warm.push(await timed(user));
    return { users: options.users, baseRss, allRss, rssPerSession: (allRss - baseRss) / (options.users - 1), first: summary(first), warm: summary(warm) };
  } finally {
    await child.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
