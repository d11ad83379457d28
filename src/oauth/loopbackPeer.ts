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
 * - One read of each table in flight at a time (SharedRead): lookups arriving meanwhile share the next read,
 *   which starts after theirs arrived, so it lists their connection. At most DEFAULT_MAX_WAITING_LOOKUPS wait;
 *   past that PeerLookupBusyError (503 with Retry-After): a flood of connections to the receiver must not turn
 *   into a flood of reads of a table that grows with every connection on the machine.
 * - The table is searched with indexOf for the exact pair of addresses, not split into lines and fields.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { endianness, release } from 'node:os';
import { PeerLookupBusyError } from './errors.js';

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
  /** The uid owning the client's socket; undefined when it cannot be told. PeerLookupBusyError when too many wait. */
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

const TCP_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;
const TIME_WAIT = '06';

/** Lookups that may wait for a read of the socket tables at once: 32. */
export const DEFAULT_MAX_WAITING_LOOKUPS = 32;
/** Retry-After of a lookup refused because too many wait: 1 s. */
export const PEER_LOOKUP_RETRY_AFTER_SECONDS = 1;

export interface ProcNetPeersOptions {
  /** Default process.platform. */
  platform?: NodeJS.Platform;
  /** Reads one socket table. Default: readFile as UTF-8. */
  readTable?: (file: string) => Promise<string>;
  /** Default DEFAULT_MAX_WAITING_LOOKUPS. */
  maxWaiting?: number;
}

/** The kernel's socket tables (Linux); `available` is false elsewhere, or when /proc/net/tcp cannot be read. */
export function procNetPeers(options: ProcNetPeersOptions = {}): PeerIdentity {
  const platform = options.platform ?? process.platform;
  const readTable = options.readTable ?? ((file: string) => readFile(file, 'utf8'));
  const maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING_LOOKUPS;
  const tables = TCP_TABLES.map((file) => new SharedRead(() => readTable(file).catch(() => '')));
  let waiting = 0;
  return {
    available: platform === 'linux' && !/microsoft/i.test(release()) && readable(TCP_TABLES[0]),
    async uidOf(connection) {
      if (platform !== 'linux') return undefined;
      const client = endpoint(connection.remoteAddress, connection.remotePort);
      const server = endpoint(connection.localAddress, connection.localPort);
      if (!client || !server) return undefined;
      if (waiting >= maxWaiting) throw new PeerLookupBusyError(PEER_LOOKUP_RETRY_AFTER_SECONDS);
      waiting++;
      try {
        for (const table of tables) {
          const uid = findOwner(await table.fresh(), client, server);
          if (uid !== undefined) return uid;
        }
        return undefined;
      } finally {
        waiting--;
      }
    },
  };
}

/**
 * One read in flight at a time. A caller gets a read that started after it asked: the one starting now when
 * none runs, else the next one, shared by every caller that arrived while the current one ran.
 */
class SharedRead {
  private inFlight: Promise<string> | undefined;
  private next: Promise<string> | undefined;

  constructor(private readonly read: () => Promise<string>) {}

  fresh(): Promise<string> {
    if (this.next) return this.next;
    if (!this.inFlight) return this.start();
    this.next = this.inFlight.then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<string> {
    const reading = this.read().finally(() => {
      if (this.inFlight === reading) this.inFlight = undefined;
    });
    this.inFlight = reading;
    return reading;
  }
}

/**
 * The uid of the socket whose local end is `client` and remote end is `server` in a /proc/net/tcp{,6} table
 * (columns: sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, …). Only the lines holding that
 * exact pair of addresses (found with indexOf) are split into fields.
 */
export function findOwner(table: string, client: Endpoint, server: Endpoint): number | undefined {
  for (const needle of needles(client, server)) {
    for (let at = table.indexOf(needle); at !== -1; at = table.indexOf(needle, at + needle.length)) {
      const lineEnd = table.indexOf('\n', at);
      const fields = table.slice(at + needle.length, lineEnd === -1 ? undefined : lineEnd).trim().split(/\s+/);
      // fields: st, tx:rx, tr:when, retrnsmt, uid, …
      if (fields.length < 5 || fields[0] === TIME_WAIT) continue;
      const uid = Number(fields[4]);
      return Number.isInteger(uid) ? uid : undefined;
    }
  }
  return undefined;
}

/** The pair as it starts a line's addresses: `: <local> <remote> ` in tcp's form, then in tcp6's IPv4-mapped forms. */
function needles(client: Endpoint, server: Endpoint): string[] {
  const address = (prefix: string, e: Endpoint) => `${prefix}${e.ipHex}:${e.port.toString(16).toUpperCase().padStart(4, '0')}`;
  // ::ffff:a.b.c.d is printed as four 32-bit words in host order: its third word reads FFFF0000 on little-endian machines.
  return ['', ...IPV4_MAPPED_PREFIXES].map((prefix) => `: ${address(prefix, client)} ${address(prefix, server)} `);
}

const IPV4_MAPPED_PREFIXES = ['0000000000000000FFFF0000', '00000000000000000000FFFF'];

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

function readable(file: string): boolean {
  try {
    readFileSync(file, { encoding: 'utf8', flag: 'r' });
    return true;
  } catch {
    return false;
  }
}
