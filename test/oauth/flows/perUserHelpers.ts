/**
 * What the per-user tests (issue #17) share: users with keys as the config holds them, a user connecting through
 * the signed link of their 401 over plain HTTP (their page, Connect, the example server's consent page approving as
 * a subject, back to mcpo's callback), and tokens minted without a browser for many users at once.
 */
import { createHash } from 'node:crypto';
import type { OAuthExampleServer } from '../../../examples/oauth-server/index.js';
import type { UserEntry } from '../../../src/config/users.js';
import { storeIdentity } from '../../../src/oauth/setup.js';
import type { OAuthEntry } from '../../../src/oauth/setup.js';
import { FileTokenStore } from '../../../src/oauth/store/fileTokenStore.js';

/** A `users` entry whose key is `key`, as `mcpo users add` writes it. */
export function userWithKey(name: string, key: string): UserEntry {
  return { name, keyHash: `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}` };
}

/** The page's forms: action → fields (hidden inputs with their values). */
export function forms(html: string): Map<string, Record<string, string>> {
  const found = new Map<string, Record<string, string>>();
  for (const match of html.matchAll(/<form method="post" action="([^"]+)">(.*?)<\/form>/g)) {
    const fields = Object.fromEntries([...match[2]!.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#38;/g, '&')]));
    found.set(match[1]!, fields);
  }
  return found;
}

export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' }): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() });
}

/**
 * Follows `link` like a browser of the user: their page, Connect (with `key` when the page asks for it), the consent
 * page approving as `subject`, back to mcpo's callback; the callback page's text.
 */
export async function connectOverHttp(link: string, subject: string, options: { key?: string } = {}): Promise<string> {
  const origin = new URL(link).origin;
  const html = await (await fetch(link)).text();
  const [action, fields] = [...forms(html)].find(([path]) => path.endsWith('/oauth/user/connect'))!;
  const started = await postForm(`${origin}${action}`, { ...fields, ...(options.key === undefined ? {} : { key: options.key }) });
  if (started.status !== 303) throw new Error(`Connect answered ${started.status}: ${await started.text()}`);
  const cookie = started.headers.get('set-cookie')!.split(';')[0]!;
  const authorize = started.headers.get('location')!;
  const consent = await (await fetch(authorize)).text();
  const requestId = /name="request_id" value="([^"]+)"/.exec(consent)![1]!;
  const approved = await postForm(new URL('/consent', authorize).href, { request_id: requestId, decision: 'approve', subject }, {});
  return (await fetch(approved.headers.get('location')!, { headers: { cookie } })).text();
}

/**
 * Gives each of `users` saved tokens for `entry` without a browser: the example server mints them (issueTokens, as
 * if each had approved, as the subject `<user>-subject`) for the client `template` (a user's token file after a real
 * login) registered, and each user's file is written with that client and discovery, as a login would have left it.
 */
export async function seedUserTokens(server: OAuthExampleServer, home: string, entry: OAuthEntry, template: string, users: readonly string[]): Promise<void> {
  const saved = await new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry, template) }).load();
  if (!saved?.client || !saved.tokens) throw new Error(`${template} has no saved login to copy`);
  const clientId = saved.client.client_id;
  for (const user of users) {
    const minted = server.issueTokens({ clientId, subject: `${user}-subject` });
    const { expires_in: expiresIn, ...tokens } = minted;
    const store = new FileTokenStore({ mcpoHome: home, ...storeIdentity(entry, user) });
    await store.save({
      ...saved,
      tokens: { ...tokens, ...(expiresIn === undefined ? {} : { expires_at: Date.now() + expiresIn * 1000, lifetime_seconds: expiresIn }) },
    });
  }
}
