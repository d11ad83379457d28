/**
 * Issue #14 (local attackers): the login link mcpo hands the browser it launches sits on a command line every
 * local user can read. The loopback receiver therefore asks the kernel who owns each connection (Linux's
 * /proc/net/tcp) and refuses other users whatever they present; mcpo's own user needs no ticket, so the
 * launched link carries none. Here: the table parsing, real sockets of this user and of a second Unix user,
 * and the receiver's rules for each kind of opener.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoginInterceptedError } from '../../src/oauth/errors.js';
import { startLoopbackReceiver, type LoopbackReceiver } from '../../src/oauth/loopback.js';
import { classifyPeer, findOwner, procNetPeers, type PeerIdentity } from '../../src/oauth/loopbackPeer.js';
import { NOT_ROOT, otherUser, runNodeAs } from '../helpers/otherUser.js';
import { rejection } from './rejection.js';

const STATE = 'state-xyz';
const AUTHORIZATION_URL = new URL(`https://as.example/authorize?state=${STATE}`);
const OPERATOR = 1000;
const receivers: LoopbackReceiver[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Connections owned by whoever `uid` names at the time of the request. */
function switchablePeers(): PeerIdentity & { uid: number | undefined } {
  const peers = { available: true, uid: OPERATOR as number | undefined, uidOf: async () => peers.uid };
  return peers;
}

async function receiverFor(peers: PeerIdentity, seen: Array<[number, string]> = []): Promise<LoopbackReceiver> {
  const receiver = await startLoopbackReceiver({ expectedState: STATE, peers, euid: OPERATOR, onOtherUser: (uid, route) => seen.push([uid, route]) });
  receivers.push(receiver);
  return receiver;
}

const cookieOf = (res: Response): string => res.headers.getSetCookie()[0]!.split(';')[0]!;

describe('/proc/net/tcp parsing', () => {
  const client = { ipHex: '0100007F', port: 0xc4dc };
  const server = { ipHex: '0100007F', port: 0x9d9d };
  const line = (local: string, remote: string, state: string, uid: number) =>
    `   5: ${local} ${remote} ${state} 00000000:00000000 02:0000176E 00000000  ${uid}        0 629293 3 00000000d32ee66c 20 0 0 11 -1`;

  it('finds the uid of the client end (local = client, remote = server), not of our own end', () => {
    const table = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode', line('0100007F:9D9D', '0100007F:C4DC', '01', 0), line('0100007F:C4DC', '0100007F:9D9D', '01', 1001)].join('\n');
    expect(findOwner(table, client, server)).toBe(1001);
    expect(findOwner(table, { ...client, port: 1 }, server)).toBeUndefined();
  });

  it('reads IPv4-mapped addresses of /proc/net/tcp6, and never takes a TIME_WAIT line (listed as uid 0) for the owner', () => {
    expect(findOwner(line('0000000000000000FFFF00000100007F:C4DC', '0000000000000000FFFF00000100007F:9D9D', '01', 1001), client, server)).toBe(1001);
    expect(findOwner(line('0100007F:C4DC', '0100007F:9D9D', '06', 0), client, server)).toBeUndefined();
  });

  it('classifies the owner: this user, another user, or unknown (root is unknown unless mcpo is root: relays run as root)', () => {
    expect(classifyPeer(1000, 1000)).toBe('self');
    expect(classifyPeer(1001, 1000)).toBe('other');
    expect(classifyPeer(0, 1000)).toBe('unknown');
    expect(classifyPeer(0, 0)).toBe('self');
    expect(classifyPeer(undefined, 1000)).toBe('unknown');
  });
});

describe.skipIf(process.platform !== 'linux')('owners of real loopback connections', () => {
  async function ownerServer(): Promise<{ url: string; owners: Array<number | undefined> }> {
    const owners: Array<number | undefined> = [];
    const peers = procNetPeers();
    const server = createServer((req, res) => {
      void peers.uidOf(req.socket).then((uid) => {
        owners.push(uid);
        res.end('ok');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, owners };
  }

  it('are told on Linux: a connection of this process belongs to its effective user', async () => {
    expect(procNetPeers().available).toBe(true);
    const { url, owners } = await ownerServer();
    await (await fetch(url)).text();
    expect(owners).toEqual([process.geteuid!()]);
  });

  const user = otherUser();
  it.skipIf(!user)(`are told for another local user too (${user ? user.name : NOT_ROOT})`, async () => {
    const { url, owners } = await ownerServer();
    const run = await runNodeAs(user!, `await (await fetch(${JSON.stringify(url)})).text();`);
    expect(run.stderr).toBe('');
    expect(owners).toEqual([user!.uid]);
  });
});

describe('the login link and callback by who opens them', () => {
  it("refuses another user's connection on both routes whatever it presents, and the login keeps waiting", async () => {
    const peers = switchablePeers();
    const seen: Array<[number, string]> = [];
    const receiver = await receiverFor(peers, seen);
    const { link } = receiver.publish(AUTHORIZATION_URL);
    peers.uid = 4242;
    const opened = await fetch(link, { redirect: 'manual' });
    expect(opened.status).toBe(403);
    expect(opened.headers.get('set-cookie')).toBeNull();
    expect(await opened.text()).toContain('Not your login');
    expect((await fetch(`${receiver.redirectUri}?code=theirs&state=${STATE}`)).status).toBe(403);
    expect(seen).toEqual([
      [4242, 'link'],
      [4242, 'callback'],
    ]);
    peers.uid = OPERATOR;
    const mine = await fetch(link, { redirect: 'manual' });
    expect(mine.status).toBe(302);
    await (await fetch(`${receiver.redirectUri}?code=mine&state=${STATE}`, { headers: { cookie: cookieOf(mine) } })).text();
    expect(await receiver.result).toEqual({ code: 'mine' });
  });

  it("gives the launched browser a link without ticket where owners are told, and lets any of the operator's browsers open it", async () => {
    const receiver = await receiverFor(switchablePeers());
    const { link, launchLink, publicLink } = receiver.publish(AUTHORIZATION_URL);
    expect(launchLink).toBe(publicLink);
    expect(launchLink).not.toContain('ticket');
    expect(link).toContain('?ticket=');
    const launched = await fetch(launchLink, { redirect: 'manual' });
    expect(launched.status).toBe(302);
    expect(launched.headers.get('location')).toBe(AUTHORIZATION_URL.href);
    const fromConsole = await fetch(link, { redirect: 'manual' });
    expect(fromConsole.status).toBe(302);
    await (await fetch(`${receiver.redirectUri}?code=second-browser&state=${STATE}`, { headers: { cookie: cookieOf(fromConsole) } })).text();
    expect(await receiver.result).toEqual({ code: 'second-browser' });
  });

  it('cancels the login when the operator arrives after a connection whose owner could not be told opened the ticket link', async () => {
    const peers = switchablePeers();
    const receiver = await receiverFor(peers);
    const { link } = receiver.publish(AUTHORIZATION_URL);
    peers.uid = undefined;
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(302);
    peers.uid = OPERATOR;
    const late = await fetch(link, { redirect: 'manual' });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('mcpo login cancelled');
    expect(((await rejection(receiver.result)) as LoginInterceptedError).how).toBe('link_reused');
  });

  it('treats a connection of root as unknown when mcpo is not root: the ticket decides', async () => {
    const peers = switchablePeers();
    const receiver = await receiverFor(peers);
    const { link, publicLink } = receiver.publish(AUTHORIZATION_URL);
    peers.uid = 0;
    const published = await fetch(publicLink, { redirect: 'manual' });
    expect(published.status).toBe(200);
    expect(await published.text()).toContain('only shown on the console');
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(302);
  });
});
