/**
 * Who is calling (issue #17), through the real listener: users' keys, the operator's key, and the trusted
 * front-end's user header (believed only with the operator's key). Each call's user is what the tool route gives
 * the server handle (CallOptions.user, read by per-user servers) and what the request log line names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { keyHashOf } from '../../src/config/users.js';
import type { CallOptions } from '../../src/mcp/types.js';
import { createApp } from '../../src/server/app.js';
import { MAX_USER_HEADER_LENGTH } from '../../src/server/identify.js';
import { UserKeys } from '../../src/server/userKeys.js';
import { createInProcessRegistry, createFixtureServer } from '../helpers/inProcessRegistry.js';
import { createTestApp, post, TEST_INFO, type TestApp, type TestAppOptions } from './setup.js';
import { createLogger } from '../../src/log/logger.js';

const OPERATOR_KEY = 'front-end-key-0123';
const ALICE_KEY = 'alice-key-4567';
const BOB_KEY = 'bob-key-8910';
const HEADER = 'X-OpenWebUI-User-Email';
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const basic = (password: string) => ({ Authorization: `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}` });

/** The users the tool calls were made for (undefined: the operator), as the server handle received them. */
function recordUsers(t: TestApp, server = 'alpha'): (string | undefined)[] {
  const seen: (string | undefined)[] = [];
  const handle = t.registry.get(server)!;
  const callTool = handle.callTool.bind(handle);
  handle.callTool = (tool: string, args: Record<string, unknown>, options?: CallOptions) => {
    seen.push(options?.user);
    return callTool(tool, args, options);
  };
  return seen;
}

describe('who is calling', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  const start = async (options: TestAppOptions = {}) => {
    t = await createTestApp({
      users: new UserKeys([
        { name: 'alice', keyHash: keyHashOf(ALICE_KEY) },
        { name: 'bob@example.com', keyHash: keyHashOf(BOB_KEY) },
      ]),
      ...options,
    });
    return { t, seen: recordUsers(t) };
  };

  it("calls as the user whose key the request carries, as Bearer or as the Basic password, and logs the user's name", async () => {
    const { t, seen } = await start({ apiKey: OPERATOR_KEY });
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer(ALICE_KEY))).status).toBe(200);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, basic(BOB_KEY))).status).toBe(200);
    expect(seen).toEqual(['alice', 'bob@example.com']);
    expect(t.logs[0]).toMatch(/http request method=POST path=\/alpha\/echo status=200 ms=\S+ user=alice$/);
    expect(t.logs[1]).toMatch(/ user=bob@example.com$/);
    const all = t.logs.join('\n');
    for (const key of [OPERATOR_KEY, ALICE_KEY, BOB_KEY]) expect(all).not.toContain(key);
  });

  it('calls as the operator with the operator key and no user header; the log names no user', async () => {
    const { t, seen } = await start({ apiKey: OPERATOR_KEY, userHeader: HEADER });
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer(OPERATOR_KEY))).status).toBe(200);
    expect(seen).toEqual([undefined]);
    expect(t.logs[0]).not.toContain('user=');
  });

  it('believes the user header on a request with the operator key', async () => {
    const { t, seen } = await start({ apiKey: OPERATOR_KEY, userHeader: HEADER });
    const res = await post(t, '/alpha/echo', { text: 'hi' }, { ...bearer(OPERATOR_KEY), [HEADER]: 'carol@example.com' });
    expect(res.status).toBe(200);
    // A header name is matched whatever its case.
    expect((await post(t, '/alpha/echo', { text: 'hi' }, { ...bearer(OPERATOR_KEY), 'x-openwebui-user-email': 'dave' })).status).toBe(200);
    expect(seen).toEqual(['carol@example.com', 'dave']);
    expect(t.logs[0]).toContain('user=carol@example.com');
  });

  it("ignores the user header on a request with a user's key: a user cannot call as someone else", async () => {
    const { t, seen } = await start({ apiKey: OPERATOR_KEY, userHeader: HEADER });
    expect((await post(t, '/alpha/echo', { text: 'hi' }, { ...bearer(ALICE_KEY), [HEADER]: 'bob@example.com' })).status).toBe(200);
    expect(seen).toEqual(['alice']);
  });

  it('answers 401 to a request with the user header but no key, and to a wrong key, without calling', async () => {
    const { t, seen } = await start({ apiKey: OPERATOR_KEY, userHeader: HEADER });
    const missing = await post(t, '/alpha/echo', { text: 'hi' }, { [HEADER]: 'alice' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('Missing API key');
    for (const key of ['wrong', `${ALICE_KEY}x`, OPERATOR_KEY.slice(0, -1)]) {
      const res = await post(t, '/alpha/echo', { text: 'hi' }, { ...bearer(key), [HEADER]: 'alice' });
      expect(res.status, key).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="mcpo"');
    }
    expect(seen).toEqual([]);
  });

  it('needs a key for tool calls once users are configured, even without an operator key', async () => {
    const { t, seen } = await start();
    expect((await post(t, '/alpha/echo', { text: 'hi' })).status).toBe(401);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer('not-a-user'))).status).toBe(401);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer(ALICE_KEY))).status).toBe(200);
    expect(seen).toEqual(['alice']);
  });

  it('needs no key with neither an operator key nor users, as before users existed', async () => {
    t = await createTestApp();
    const seen = recordUsers(t);
    expect((await post(t, '/alpha/echo', { text: 'hi' })).status).toBe(200);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer('meant-for-a-proxy'))).status).toBe(200);
    expect(seen).toEqual([undefined, undefined]);
  });

  it(`answers 400 to a user header longer than ${MAX_USER_HEADER_LENGTH} characters, empty, or with control characters`, async () => {
    const { t, seen } = await start({ apiKey: OPERATOR_KEY, userHeader: HEADER });
    const longest = 'a'.repeat(MAX_USER_HEADER_LENGTH);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, { ...bearer(OPERATOR_KEY), [HEADER]: longest })).status).toBe(200);
    for (const value of [`${longest}a`, 'ali\tce', 'ali\u0085ce', '']) {
      const res = await post(t, '/alpha/echo', { text: 'hi' }, { ...bearer(OPERATOR_KEY), [HEADER]: value });
      expect(res.status, JSON.stringify(value)).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/^The X-OpenWebUI-User-Email header (is \d+ characters long|contains control characters|is empty)/);
    }
    expect(seen).toEqual([longest]);
  });

  it("under strictAuth, a user's key opens the documents too; no key does not", async () => {
    const { t } = await start({ apiKey: OPERATOR_KEY, strictAuth: true });
    expect((await t.request('/openapi.json')).status).toBe(401);
    expect((await t.request('/openapi.json', { headers: bearer(ALICE_KEY) })).status).toBe(200);
    expect((await t.request('/openapi.json', { headers: bearer(OPERATOR_KEY) })).status).toBe(200);
  });

  it('documents the bearer scheme when users are configured without an operator key', async () => {
    const { t } = await start();
    const doc = (await (await t.request('/openapi.json')).json()) as { components: { securitySchemes?: object } };
    expect(doc.components.securitySchemes).toBeDefined();
  });

  it('takes users replaced while running (hot reload) from the next request on', async () => {
    const users = new UserKeys([{ name: 'alice', keyHash: keyHashOf(ALICE_KEY) }]);
    t = await createTestApp({ users });
    const seen = recordUsers(t);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer(BOB_KEY))).status).toBe(401);
    users.replace([{ name: 'bob', keyHash: keyHashOf(BOB_KEY) }]);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer(BOB_KEY))).status).toBe(200);
    expect((await post(t, '/alpha/echo', { text: 'hi' }, bearer(ALICE_KEY))).status).toBe(401);
    expect(seen).toEqual(['bob']);
  });

  it('refuses a user header without an operator key, and a header name that cannot be one', async () => {
    const registry = await createInProcessRegistry({ alpha: createFixtureServer() });
    const logger = createLogger({ level: 'silent' });
    try {
      expect(() => createApp({ registry, logger, info: TEST_INFO, userHeader: HEADER })).toThrow(/--user-header needs --api-key/);
      expect(() => createApp({ registry, logger, info: TEST_INFO, apiKey: 'k', userHeader: 'X User' })).toThrow(/must be an HTTP header name/);
      expect(() => createApp({ registry, logger, info: TEST_INFO, apiKey: 'k', userHeader: 'Authorization' })).toThrow(/cannot be Authorization/);
    } finally {
      await registry.close();
    }
  });
});
