/**
 * 200 users of a per-user OAuth server (issue #17) calling at once through mcpo's listener, each with their own key
 * and saved tokens (minted by the example server, as if each had approved as `<user>-subject`): at most
 * perUserMaxSessions sessions are ever open, every answer is the user's own subject or the documented 503 with
 * Retry-After (all sessions busy), and every user gets through on retrying. Prints the process's RSS growth.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import type { Running } from '../../../src/run.js';
import { freePort, idleBrowser, oauthEntry, oauthSupport, runOnLoopback, startServer, tempHome } from './harness.js';
import { connectOverHttp, seedUserTokens, userWithKey } from './perUserHelpers.js';

const USERS = 200;
const MAX_SESSIONS = 50;

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

describe('200 users of a per-user server at once', () => {
  it('keeps at most perUserMaxSessions open, answers each user with their own account or 503 with Retry-After, and serves everyone on retry', async () => {
    const server = await startServer({ autoApprove: false });
    const home = await tempHome();
    let evictions = 0;
    const logger = createLogger({ level: 'info', write: (line) => void (line.includes('user session closed') && line.includes('least recently used') && evictions++) });
    const { support } = oauthSupport(home, idleBrowser(), { logger });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const entry = oauthEntry(server.mcpUrl, {}, { perUser: { idleTimeoutMs: 60_000, maxSessions: MAX_SESSIONS } });
    const names = Array.from({ length: USERS }, (_, i) => `user${String(i).padStart(3, '0')}`);
    const keyOf = (user: string) => `key-of-${user}-0123456789abcdef`;
    const mcpo = await runOnLoopback({
      servers: [entry],
      users: names.map((name) => userWithKey(name, keyOf(name))),
      port,
      logger,
      oauth: support,
      publicUrl: base,
    });
    running.push(mcpo);
    const whoami = async (user: string) => {
      const res = await fetch(`${base}/secure/whoami`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keyOf(user)}` }, body: '{}' });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
    };

    // The first user logs in for real (registering mcpo's client); the others' tokens are minted for that client.
    const link = (await whoami(names[0]!)).body.error.details.authorizationUrl as string;
    expect(await connectOverHttp(link, `${names[0]}-subject`, { key: keyOf(names[0]!) })).toContain('mcpo is authorized');
    await expect.poll(async () => (await whoami(names[0]!)).status, { timeout: 5_000 }).toBe(200);
    await seedUserTokens(server, home, entry, names[0]!, names.slice(1));

    const handle = mcpo.manager.get('secure')!;
    let mostSessions = 0;
    const sampler = setInterval(() => (mostSessions = Math.max(mostSessions, handle.status().perUser!.sessions)), 2);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    try {
      let waiting = [...names];
      const firstRound: Record<number, number> = {};
      for (let round = 0; waiting.length > 0 && round < 20; round++) {
        const answers = await Promise.all(waiting.map(async (user) => ({ user, ...(await whoami(user)) })));
        for (const answer of answers) {
          if (answer.status === 200) expect(answer.body.subject).toBe(`${answer.user}-subject`);
          else {
            expect(answer.status, JSON.stringify(answer.body)).toBe(503);
            expect(answer.body.error.code).toBe('SERVER_UNAVAILABLE');
            // The two documented 503s: every session busy, or (a loaded machine) the user's new session still
            // connecting when the call's wait ran out.
            const busy = `all ${MAX_SESSIONS} user sessions (perUserMaxSessions) have calls in flight`;
            expect([busy, 'is unavailable: still connecting'].some((reason) => answer.body.error.message.includes(reason)), answer.body.error.message).toBe(true);
            expect(answer.retryAfter).toMatch(/^\d+$/);
          }
          if (round === 0) firstRound[answer.status] = (firstRound[answer.status] ?? 0) + 1;
        }
        waiting = answers.filter((a) => a.status !== 200).map((a) => a.user);
      }
      expect(waiting).toEqual([]);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const grown = ((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(1);
      console.log(`${USERS} users, perUserMaxSessions ${MAX_SESSIONS}: first round ${JSON.stringify(firstRound)}, ${evictions} sessions closed for room, all served in ${seconds} s, RSS +${grown} MiB (mcpo and the example server in this process)`);
      expect(firstRound[200]).toBeGreaterThan(0);
      // 200 users through 50 sessions: the least recently used idle ones made room, at least once per user past 50.
      expect(evictions).toBeGreaterThanOrEqual(USERS - MAX_SESSIONS);
    } finally {
      clearInterval(sampler);
    }
    expect(mostSessions).toBeLessThanOrEqual(MAX_SESSIONS);
    expect(handle.status().perUser!.sessions).toBeLessThanOrEqual(MAX_SESSIONS);
    await expect.poll(() => server.sessionCounts().streamableHttp, { timeout: 10_000 }).toBeLessThanOrEqual(MAX_SESSIONS);
  }, 60_000);
});
