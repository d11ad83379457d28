/**
 * Per-user OAuth servers (issue #17) through mcpo's real listener, the whole chain: who calls (users' own keys, or
 * the front-end's key with --user-header as Open WebUI sends it) → that user's session of the per-user server →
 * their 401 with their own link, or their own subject on the example server. perUser.test.ts drives the handle
 * with `{ user }`; these tests ask over HTTP what a user's client would.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import type { Running } from '../../../src/run.js';
import { connectOpenWebUi } from '../../helpers/openWebUiClient.js';
import { demoEntry } from '../../mcp/fixtures.js';
import { freePort, idleBrowser, oauthEntry, oauthSupport, runOnLoopback, startServer, tempHome } from './harness.js';
import { connectOverHttp, forms, postForm, userWithKey } from './perUserHelpers.js';

const FRONT_END_KEY = 'front-end-key';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const KEYS: Record<string, string> = { [ALICE]: 'alice-key-0123456789', [BOB]: 'bob-key-0123456789' };
const USER_HEADER = 'X-OpenWebUI-User-Email';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start() {
  const server = await startServer({ autoApprove: false });
  const home = await tempHome();
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', write: (line) => logs.push(line) });
  const { support } = oauthSupport(home, idleBrowser(), { logger });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const entry = oauthEntry(server.mcpUrl, {}, { perUser: { idleTimeoutMs: 60_000, maxSessions: 10 } });
  const mcpo = await runOnLoopback({
    servers: [entry, demoEntry()],
    users: Object.entries(KEYS).map(([name, key]) => userWithKey(name, key)),
    apiKey: FRONT_END_KEY,
    userHeader: USER_HEADER,
    port,
    logger,
    oauth: support,
    publicUrl: base,
  });
  running.push(mcpo);
  const handle = () => mcpo.manager.get('secure')!;
  /** POST /secure/<tool> with these headers. */
  const call = async (tool: string, headers: Record<string, string>, body: object = {}) => {
    const res = await fetch(`${base}/secure/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };
  const asUser = (user: string) => ({ authorization: `Bearer ${KEYS[user]}` });
  const viaFrontEnd = (user: string) => ({ authorization: `Bearer ${FRONT_END_KEY}`, [USER_HEADER]: user });
  return { server, base, logs, handle, call, asUser, viaFrontEnd, mcpo };
}

describe('a per-user server over HTTP', () => {
  it('answers each user who has not connected 401 with their own link, and Open WebUI hands its message to the model', async () => {
    const { base, call, asUser, handle } = await start();
    for (const user of [ALICE, BOB]) {
      const answer = await call('whoami', asUser(user));
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('NEEDS_AUTHORIZATION');
      expect(answer.body.error.details.user).toBe(user);
      const link = answer.body.error.details.authorizationUrl as string;
      expect(new URL(link).searchParams.get('user')).toBe(user);
      expect(link.startsWith(`${base}/oauth/user?server=secure&`)).toBe(true);
      expect(answer.body.error.message).toBe(`To use secure, open ${link} and approve access, then ask again.`);
      // Not a challenge for mcpo's own key: a client must not take it for a wrong key (nor a browser prompt for one).
      expect(answer.headers.get('www-authenticate')).toBeNull();
    }
    expect(handle().status().perUser).toEqual({ sessions: 0, limit: 10 });

    // Until someone (the operator or a user) has connected, the server's document lists no tools: Open WebUI offers
    // its model none, so its users never get to a link. Alice connects with her key; now the tools are documented.
    expect((await connectOpenWebUi(`${base}/secure`, FRONT_END_KEY)).functions).toEqual([]);
    expect(await connectOverHttp((await call('whoami', asUser(ALICE))).body.error.details.authorizationUrl, 'alice-subject', { key: KEYS[ALICE] })).toContain('mcpo is authorized');
    await vi.waitFor(async () => expect((await call('whoami', asUser(ALICE))).status).toBe(200), { timeout: 5_000 });

    // Open WebUI with its key and Bob's e-mail in the header: the error body, with Bob's own link, is the tool result
    // its model reads ("HTTP error 401: <body>").
    const openWebUi = await connectOpenWebUi(`${base}/secure`, FRONT_END_KEY, { [USER_HEADER]: BOB });
    const whoami = openWebUi.functions.find((fn) => fn.name.endsWith('whoami'))!;
    expect(whoami).toBeDefined();
    const result = await openWebUi.call(whoami.name, {});
    expect(result.sent && result.status).toBe(401);
    const error = (result as { result: { error: string } }).result.error;
    expect(error).toMatch(/^HTTP error 401: /);
    const relayed = JSON.parse(error.slice('HTTP error 401: '.length)).error;
    expect(relayed.message).toMatch(/^To use secure, open http:\/\/127\.0\.0\.1:\d+\/oauth\/user\?server=secure&user=bob%40example\.com&expires=\d+&sig=[\w-]+ and approve access, then ask again\.$/);
  });

  it('runs each user\'s calls with their own account, whether they call with their own key or through the front-end\'s header', async () => {
    const { server, call, asUser, viaFrontEnd, handle } = await start();
    const linkOf = async (headers: Record<string, string>) => (await call('whoami', headers)).body.error.details.authorizationUrl as string;
    expect(await connectOverHttp(await linkOf(asUser(ALICE)), 'alice-subject', { key: KEYS[ALICE] })).toContain('mcpo is authorized');
    // Bob connects from the link Open WebUI's request got him (he has a key of his own: the page asks for it).
    expect(await connectOverHttp(await linkOf(viaFrontEnd(BOB)), 'bob-subject', { key: KEYS[BOB] })).toContain('mcpo is authorized');

    const whoami = async (headers: Record<string, string>) => {
      const answer = await call('whoami', headers);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return (answer.body as { subject: string }).subject;
    };
    await vi.waitFor(async () => expect(await whoami(asUser(ALICE))).toBe('alice-subject'), { timeout: 5_000 });
    expect(await whoami(viaFrontEnd(ALICE))).toBe('alice-subject');
    await vi.waitFor(async () => expect(await whoami(asUser(BOB))).toBe('bob-subject'), { timeout: 5_000 });
    expect(await whoami(viaFrontEnd(BOB))).toBe('bob-subject');
    // Key and header reach the same session of each user: two sessions in all.
    expect(handle().status().perUser?.sessions).toBe(2);
    expect(server.sessionCounts().streamableHttp).toBe(2);

    // A user's key with a header naming someone else: the header is ignored (a user cannot call as another).
    expect(await whoami({ ...asUser(BOB), [USER_HEADER]: ALICE })).toBe('bob-subject');
    // The header without the front-end's key is not believed: 401 for the key, not a link.
    const unkeyed = await call('whoami', { [USER_HEADER]: ALICE });
    expect(unkeyed.status).toBe(401);
    expect(unkeyed.body.error.code).toBe('UNAUTHORIZED');
    expect(unkeyed.headers.get('www-authenticate')).toContain('Bearer');
    // Someone the front-end names who has not connected gets their own link, not Alice's or Bob's account.
    const carol = await call('whoami', viaFrontEnd('carol@example.com'));
    expect(carol.status).toBe(401);
    expect(new URL(carol.body.error.details.authorizationUrl).searchParams.get('user')).toBe('carol@example.com');
    // The operator (the front-end's key, no header) has not connected the server: theirs is the server-wide 503.
    expect((await call('whoami', { authorization: `Bearer ${FRONT_END_KEY}` })).status).toBe(503);
  });

  it('documents 401 NEEDS_AUTHORIZATION for the per-user server\'s operations only', async () => {
    const { base, call, asUser, mcpo } = await start();
    expect(await connectOverHttp((await call('whoami', asUser(ALICE))).body.error.details.authorizationUrl, 'alice-subject', { key: KEYS[ALICE] })).toContain('mcpo is authorized');
    await vi.waitFor(async () => expect((await call('whoami', asUser(ALICE))).status).toBe(200), { timeout: 5_000 });
    const document = (await (await fetch(`${base}/secure/openapi.json`)).json()) as any;
    expect(document.paths['/whoami'].post.responses['401']).toEqual({ $ref: '#/components/responses/UnauthorizedOrNotConnected' });
    const response = document.components.responses.UnauthorizedOrNotConnected;
    expect(response.content['application/json'].schema.allOf[1].properties.error.properties.code.enum).toEqual(['UNAUTHORIZED', 'NEEDS_AUTHORIZATION']);
    expect(response.description).toContain('relay it as it is');
    await vi.waitFor(() => expect(mcpo.manager.get('demo')!.status().state).toBe('connected'), { timeout: 10_000 });
    const root = (await (await fetch(`${base}/openapi.json`)).json()) as any;
    expect(root.paths['/secure/whoami'].post.responses['401'].$ref).toBe('#/components/responses/UnauthorizedOrNotConnected');
    // The demo server is not per-user: its 401 is the key's only.
    expect(root.components.responses.Unauthorized.content['application/json'].schema.allOf[1].properties.error.properties.code.enum).toEqual(['UNAUTHORIZED']);
    const demoPaths = Object.entries<any>(root.paths).filter(([path]) => path.startsWith('/demo/'));
    expect(demoPaths.length).toBeGreaterThan(0);
    for (const [, item] of demoPaths) expect(item.post.responses['401'].$ref).toBe('#/components/responses/Unauthorized');
    const demo = (await (await fetch(`${base}/demo/openapi.json`)).json()) as any;
    expect(demo.components.responses.UnauthorizedOrNotConnected).toBeUndefined();
  });

  it('asks for the user\'s own key before linking or unlinking an account: a forwarded link links nothing without it', async () => {
    const { base, server, call, asUser, viaFrontEnd, handle, logs } = await start();
    const aliceLink = (await call('whoami', asUser(ALICE))).body.error.details.authorizationUrl as string;
    const page = await (await fetch(aliceLink)).text();
    expect(page).toContain(`mcpo-user">${ALICE}<`);
    expect(page).toContain(`${ALICE}'s mcpo key <input type="password" name="key"`);
    const fields = forms(page).get('/oauth/user/connect')!;
    // Bob, forwarded Alice's link, has no key of hers: without one, or with his own, nothing starts.
    for (const key of [undefined, KEYS[BOB]!, `${KEYS[ALICE]}x`]) {
      const refused = await postForm(`${base}/oauth/user/connect`, { ...fields, ...(key === undefined ? {} : { key }) });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain(`That is not ${ALICE}&#39;s mcpo key: nothing was changed.`);
    }
    expect(server.stats().authorizationRequests).toBe(0);
    expect(logs.filter((line) => line.includes('not the user\'s key'))).toHaveLength(3);
    expect(logs.join('\n')).not.toContain(KEYS[BOB]);

    // With her key, Alice connects; a Disconnect without it leaves her connected.
    expect(await connectOverHttp(aliceLink, 'alice-subject', { key: KEYS[ALICE] })).toContain('mcpo is authorized');
    await vi.waitFor(async () => expect((await call('whoami', asUser(ALICE))).status).toBe(200), { timeout: 5_000 });
    const connected = await (await fetch(aliceLink)).text();
    expect((await postForm(`${base}/oauth/user/disconnect`, forms(connected).get('/oauth/user/disconnect')!)).status).toBe(403);
    expect((await call('whoami', asUser(ALICE))).body.subject).toBe('alice-subject');

    // A user only the front-end names has no key: their link is their credential, and the page asks for none.
    const carolLink = (await call('whoami', viaFrontEnd('carol@example.com'))).body.error.details.authorizationUrl as string;
    expect(await (await fetch(carolLink)).text()).not.toContain('name="key"');
    expect(await connectOverHttp(carolLink, 'carol-subject')).toContain('mcpo is authorized');
    await vi.waitFor(async () => expect((await call('whoami', viaFrontEnd('carol@example.com'))).body.subject).toBe('carol-subject'), { timeout: 5_000 });
    expect(handle().status().perUser?.sessions).toBe(2);
  });
});
