/**
 * Who is on the other end of a loopback TCP connection: the user owning the client's socket. A browser
 * cannot prove anything else about itself to the loopback receiver, and the link mcpo hands the browser it
 * launches sits in that process's command line, which every local user can read (/proc/PID/cmdline). So
 * on Linux the receiver asks the kernel: /proc/net/tcp lists every TCP socket of this network namespace with
 * the uid that created it, and the client's end of our connection is the line whose local address is the
 * request's remote address and whose remote address is ours.
 *
 * Decisions:
 * - Only Linux, and not WSL (connections from Windows arrive through a relay of root's, which speaks for
 *   every Windows user): elsewhere `available` is false and the receiver relies on its one-time ticket alone.
 * - A socket in TIME_WAIT is listed with uid 0 whoever owned it; such lines are skipped, so a connection
 *   that closed while we looked is "unknown", never "root".
 * - /proc/net/tcp6 is read too: a client may connect to 127.0.0.1 from an IPv6 socket (`::ffff:127.0.0.1`).
 * - Read per request, on the two routes that need it; the file is a few lines per open connection.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { endianness, release } from 'node:os';

/** The client end of a connection to our listener, as the request's socket describes it. */
export interface LoopbackConnection {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
}

export interface PeerIdentity {
  /** Whether owners of connections can be told at all on this system. */
  readonly available: boolean;
  /** The uid owning the client's socket; undefined when it cannot be told. */
  uidOf(connection: LoopbackConnection): Promise<number | undefined>;
}

/** Who a connection belongs to, from mcpo's point of view. */
export type Peer = 'self' | 'other' | 'unknown';

/**
 * `self`: mcpo's own effective user. `other`: another user (never root: relays and proxies run as root and
 * may carry anyone's traffic, so root is `unknown` unless mcpo runs as root). `unknown`: cannot be told.
 */
export function classifyPeer(uid: number | undefined, euid: number | undefined): Peer {
  if (uid === undefined || euid === undefined) return 'unknown';
  if (uid === euid) return 'self';
  return uid === 0 ? 'unknown' : 'other';
}

const TCP_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
const TIME_WAIT = '06';

/** The kernel's socket tables (Linux); `available` is false elsewhere, or when /proc/net/tcp cannot be read. */
export function procNetPeers(platform: NodeJS.Platform = process.platform): PeerIdentity {
  return {
    available: platform === 'linux' && !/microsoft/i.test(release()) && readable(TCP_TABLES[0]!),
    async uidOf(connection) {
      if (platform !== 'linux') return undefined;
      const client = endpoint(connection.remoteAddress, connection.remotePort);
      const server = endpoint(connection.localAddress, connection.localPort);
      if (!client || !server) return undefined;
      for (const table of TCP_TABLES) {
        const text = await readFile(table, 'utf8').catch(() => '');
        const uid = findOwner(text, client, server);
        if (uid !== undefined) return uid;
      }
      return undefined;
    },
  };
}

/**
 * The uid of the socket whose local end is `client` and remote end is `server` in a /proc/net/tcp{,6} table
 * (columns: sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, …).
 */
export function findOwner(table: string, client: Endpoint, server: Endpoint): number | undefined {
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8 || fields[3] === TIME_WAIT) continue;
    if (matches(fields[1]!, client) && matches(fields[2]!, server)) {
      const uid = Number(fields[7]);
      return Number.isInteger(uid) ? uid : undefined;
    }
  }
  return undefined;
}

/** An IPv4 address as the kernel prints it (host byte order, 8 hex digits) and a port. */
export interface Endpoint {
  ipHex: string;
  port: number;
}

function endpoint(address: string | undefined, port: number | undefined): Endpoint | undefined {
  if (address === undefined || port === undefined) return undefined;
  const v4 = address.replace(/^::ffff:/i, '');
  const parts = v4.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const ordered = endianness() === 'LE' ? [...parts].reverse() : parts;
  return { ipHex: ordered.map((p) => p.toString(16).padStart(2, '0')).join('').toUpperCase(), port };
}

/** `0100007F:D431` (tcp) or `0000000000000000FFFF00000100007F:D431` (tcp6, IPv4-mapped) against an endpoint. */
function matches(field: string, expected: Endpoint): boolean {
  const colon = field.lastIndexOf(':');
  const ip = field.slice(0, colon).toUpperCase();
  if (parseInt(field.slice(colon + 1), 16) !== expected.port) return false;
  if (ip.length === 8) return ip === expected.ipHex;
  // An IPv4-mapped IPv6 address: ::ffff:a.b.c.d, printed as four 32-bit words in host order.
  return ip.length === 32 && ip.endsWith(expected.ipHex) && /^0{16}(FFFF0000|0000FFFF)$/.test(ip.slice(0, 24));
}

function readable(file: string): boolean {
  try {
    readFileSync(file, { encoding: 'utf8', flag: 'r' });
    return true;
  } catch {
    return false;
  }
}
