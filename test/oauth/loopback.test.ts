import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthorizationResponseError,
  CallbackPortInUseError,
  CallbackTimeoutError,
  LoginInterceptedError,
  McpoOAuthError,
  MissingAuthorizationCodeError,
  OAuthCancelledError,
} from '../../src/oauth/errors.js';
import {
  DEFAULT_CALLBACK_TIMEOUT_MS,
  startLoopbackReceiver,
  type CallbackClock,
  type LoopbackReceiver,
} from '../../src/oauth/loopback.js';
import type { PeerIdentity } from '../../src/oauth/loopbackPeer.js';
import { rejection } from './rejection.js';

/** A system where the owner of a connection cannot be told (anything but Linux): the ticket alone decides. */
const UNIDENTIFIED: PeerIdentity = { available: false, uidOf: async () => undefined };

const STATE = 'state-abc123';
const receivers: LoopbackReceiver[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const AUTHORIZATION_URL = new URL(`https://as.example/authorize?state=${STATE}`);
const cookies = new Map<LoopbackReceiver, string>();

/** Starts a receiver, publishes its login link and opens it, so `browse` is the bound browser. */
async function start(options: Partial<Parameters<typeof startLoopbackReceiver>[0]> = {}): Promise<LoopbackReceiver> {
  const receiver = await startLoopbackReceiver({ expectedState: STATE, ...options });
  receivers.push(receiver);
  const opened = await fetch(receiver.publish(AUTHORIZATION_URL).link, { redirect: 'manual' });
  await opened.text();
  cookies.set(receiver, opened.headers.getSetCookie()[0]!.split(';')[0]!);
  return receiver;
}

/** A request from the browser that opened the receiver's login link (it carries the binding cookie). */
function browse(receiver: LoopbackReceiver, url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: cookies.get(receiver) ?? '' } });
}

/** A clock whose timeout fires only when the test says so. */
function manualClock(): CallbackClock & { fire: () => void; delays: number[] } {
  const pending = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 0;
  return {
    setTimeout: (fn, ms) => {
      delays.push(ms);
      pending.set(++next, fn);
      return next;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
    fire: () => {
      for (const fn of pending.values()) fn();
      pending.clear();
    },
    delays,
  };
}

describe('loopback callback receiver', () => {
  it('serves a 127.0.0.1 redirect URI and resolves with the code after showing a success page', async () => {
    const receiver = await start();
    expect(receiver.redirectUri).toBe(`http://127.0.0.1:${receiver.port}/callback`);
    const res = await browse(receiver, `${receiver.redirectUri}?code=the-code&state=${STATE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).toContain('You can close this tab');
    expect(await receiver.result).toEqual({ code: 'the-code' });
  });

  it('stops listening once the callback has been received', async () => {
    const receiver = await start();
    await browse(receiver, `${receiver.redirectUri}?code=c&state=${STATE}`).then((r) => r.text());
    await receiver.result;
    await receiver.close();
    await expect(fetch(receiver.redirectUri)).rejects.toThrow();
  });

  // Issue #14 item 7: any web page could end the login by navigating the browser to the callback with a forged state.
  it('refuses a callback whose state does not match, without accepting its code, and keeps waiting for the real one', async () => {
    const receiver = await start();
    const res = await browse(receiver, `${receiver.redirectUri}?code=attacker-code&state=forged`, { headers: { 'Sec-Fetch-Dest': 'document' } });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('unexpected state');
    expect(body).toContain('still waiting');
    expect(body).not.toContain('attacker-code');
    await browse(receiver, `${receiver.redirectUri}?code=good&state=${STATE}`).then((r) => r.text());
    expect(await receiver.result).toEqual({ code: 'good' });
  });

  // Issue #14 item 2: another local user who learned the state approved as themselves and delivered their code.
  // Refusing it and waiting on was not enough: the state had leaked, and whoever has it can try again.
  it('cancels the login when a browser that did not open the login link brings back the right state', async () => {
    for (const cookie of [undefined, 'guessed']) {
      const receiver = await start();
      const name = cookies.get(receiver)!.split('=')[0]!;
      const res = await fetch(`${receiver.redirectUri}?code=attacker-code&state=${STATE}`, cookie ? { headers: { cookie: `${name}=${cookie}` } } : {});
      expect(res.status).toBe(403);
      const body = await res.text();
      expect(body).toContain('mcpo login cancelled');
      expect(body).not.toContain('attacker-code');
      const error = await rejection(receiver.result);
      expect(error).toBeInstanceOf(LoginInterceptedError);
      expect(error.reason).toBe('login_intercepted');
      expect((error as LoginInterceptedError).how).toBe('unbound_callback');
      expect(error.message).toContain('starts a fresh login with a new link');
      // The operator's own browser comes too late: the receiver is gone, nothing of this login can complete.
      await expect(browse(receiver, `${receiver.redirectUri}?code=good&state=${STATE}`)).rejects.toThrow();
    }
  });

  // Issue #14: the link sat on the command line of the browser mcpo launched; another user opened it first.
  it('where openers cannot be told apart, serves the ticket link to one browser (again and again) and cancels the login when another presents it', async () => {
    const receiver = await start({ peers: UNIDENTIFIED });
    const { link, launchLink, publicLink } = receiver.publish(AUTHORIZATION_URL);
    expect(launchLink).toBe(link);
    expect(publicLink).toBe(`http://127.0.0.1:${receiver.port}/start`);
    const published = await fetch(publicLink, { redirect: 'manual' });
    expect(published.status).toBe(200);
    expect(published.headers.get('set-cookie')).toBeNull();
    expect(await published.text()).toContain('only shown on the console');
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${receiver.port}/start\\?ticket=[\\w-]{43}$`));
    expect(link).not.toContain(STATE);
    expect((await fetch(`${link}x`, { redirect: 'manual' })).status).toBe(404);
    const again = await browse(receiver, link, { redirect: 'manual' });
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe(AUTHORIZATION_URL.href);
    const other = await fetch(link, { redirect: 'manual' });
    expect(other.status).toBe(409);
    expect(other.headers.get('location')).toBeNull();
    expect(await other.text()).toContain('a second browser opened its one-time login link');
    const error = await rejection(receiver.result);
    expect(error).toBeInstanceOf(LoginInterceptedError);
    expect((error as LoginInterceptedError).how).toBe('link_reused');
    // Whoever opened it first cannot complete it either.
    await expect(browse(receiver, `${receiver.redirectUri}?code=first&state=${STATE}`)).rejects.toThrow();
  });

  // Security review: any web page open during the login could end it with <img src="http://127.0.0.1:3030/callback">.
  it('ignores background requests a web page fires at the callback (Sec-Fetch-Dest other than document) and keeps waiting', async () => {
    const receiver = await start();
    const forged = await browse(receiver, `${receiver.redirectUri}?error=access_denied&state=${STATE}`, { headers: { 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image', 'Sec-Fetch-Site': 'cross-site' } });
    expect(forged.status).toBe(403);
    await forged.text();
    const legit = await browse(receiver, `${receiver.redirectUri}?code=good&state=${STATE}`, { headers: { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' } });
    expect(legit.status).toBe(200);
    expect(await receiver.result).toEqual({ code: 'good' });
  });

  it('refuses a callback without any state and keeps waiting', async () => {
    const receiver = await start();
    expect((await browse(receiver, `${receiver.redirectUri}?code=c`)).status).toBe(400);
    await browse(receiver, `${receiver.redirectUri}?code=real&state=${STATE}`).then((r) => r.text());
    expect(await receiver.result).toEqual({ code: 'real' });
  });

  it('reports error=access_denied from the authorization server with its description, escaped on the page', async () => {
    const receiver = await start();
    const description = encodeURIComponent('User said <no>');
    const res = await browse(receiver, `${receiver.redirectUri}?error=access_denied&error_description=${description}&state=${STATE}`);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('access_denied');
    expect(body).toContain('User said &#60;no&#62;');
    expect(body).not.toContain('<no>');
    const err = await rejection(receiver.result);
    expect(err).toBeInstanceOf(AuthorizationResponseError);
    expect(err.reason).toBe('access_denied');
    expect((err as AuthorizationResponseError).oauthError).toBe('access_denied');
    expect((err as AuthorizationResponseError).errorDescription).toBe('User said <no>');
  });

  it('reports other OAuth errors with reason authorization_error', async () => {
    const receiver = await start();
    await browse(receiver, `${receiver.redirectUri}?error=invalid_scope&state=${STATE}`).then((r) => r.text());
    const err = await rejection(receiver.result);
    expect(err.reason).toBe('authorization_error');
    expect((err as AuthorizationResponseError).oauthError).toBe('invalid_scope');
  });

  it('says "No authorization code found" when the callback has the state but no code', async () => {
    const receiver = await start();
    const res = await browse(receiver, `${receiver.redirectUri}?state=${STATE}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('No authorization code found');
    expect(await rejection(receiver.result)).toBeInstanceOf(MissingAuthorizationCodeError);
  });

  it('answers 404 on other paths and keeps waiting for the real callback', async () => {
    const receiver = await start({ path: '/oauth/cb' });
    expect(receiver.redirectUri.endsWith('/oauth/cb')).toBe(true);
    const base = receiver.redirectUri.replace('/oauth/cb', '');
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(404);
    expect((await browse(receiver, `${base}/callback?code=c&state=${STATE}`)).status).toBe(404);
    expect((await browse(receiver, receiver.redirectUri, { method: 'POST' })).status).toBe(405);
    await browse(receiver, `${receiver.redirectUri}?code=real&state=${STATE}`).then((r) => r.text());
    expect(await receiver.result).toEqual({ code: 'real' });
  });

  it('times out with a clear error after the configured wait and closes', async () => {
    const clock = manualClock();
    const receiver = await start({ clock, timeoutMs: 90_000 });
    expect(clock.delays).toEqual([90_000]);
    clock.fire();
    const err = await rejection(receiver.result);
    expect(err).toBeInstanceOf(CallbackTimeoutError);
    expect(err.reason).toBe('callback_timeout');
    expect(err.message).toContain('90 s');
    await receiver.close();
    await expect(browse(receiver, `${receiver.redirectUri}?code=late&state=${STATE}`)).rejects.toThrow();
  });

  it('waits five minutes by default', async () => {
    const clock = manualClock();
    await start({ clock });
    expect(clock.delays).toEqual([DEFAULT_CALLBACK_TIMEOUT_MS]);
    expect(DEFAULT_CALLBACK_TIMEOUT_MS).toBe(300_000);
  });

  it('rejects with OAuthCancelledError when aborted or closed while waiting', async () => {
    const controller = new AbortController();
    const aborted = await start({ signal: controller.signal });
    controller.abort();
    expect(await rejection(aborted.result)).toBeInstanceOf(OAuthCancelledError);

    const closed = await start();
    await closed.close();
    expect((await rejection(closed.result)).reason).toBe('cancelled');
  });

  it('names callback_port and the port when the port is taken', async () => {
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    const err = await rejection(startLoopbackReceiver({ expectedState: STATE, port }));
    expect(err).toBeInstanceOf(CallbackPortInUseError);
    expect(err.reason).toBe('port_in_use');
    expect(err.message).toBe(`callback_port ${port} is in use; choose another in the oauth block or set 0`);
  });

  it('listens on 127.0.0.1 only: other local addresses refuse the connection', async () => {
    const receiver = await start();
    const interfaces = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && i.address !== '127.0.0.1' && !i.address.includes('%'))
      .map((i) => (i!.family === 'IPv6' ? `[${i!.address}]` : i!.address));
    // The IPv6 loopback and 127.0.0.2 (another loopback address on Linux) are always worth a try.
    const others = [...new Set(['[::1]', '127.0.0.2', ...interfaces])];
    for (const host of others) {
      await expect(fetch(`http://${host}:${receiver.port}/callback?code=c&state=${STATE}`)).rejects.toThrow();
    }
    // Still waiting: none of those attempts reached the receiver.
    await browse(receiver, `${receiver.redirectUri}?code=ok&state=${STATE}`).then((r) => r.text());
    expect(await receiver.result).toEqual({ code: 'ok' });
  });
});
