/**
 * The shared store's address (`--store`, MCPO_STORE, `store` in the config file): `redis://[user:password@]host[:port][/db]`
 * or `rediss://…` (TLS). The password may instead come from MCPO_STORE_PASSWORD, so it is in neither `ps` nor the
 * config file. `shown` is what messages and logs name: the address without its password.
 */
import { UsageError } from '../../../errors.js';

export const DEFAULT_REDIS_PORT = 6379;
/** Keys mcpo writes start with this unless --store-prefix says otherwise. */
export const DEFAULT_STORE_PREFIX = 'mcpo:';

export interface RedisStoreAddress {
  /** What the client connects to (password included when given). */
  url: string;
  /** The address without password, for messages. */
  shown: string;
  tls: boolean;
  db: number;
}

/**
 * Parses a store URL. `where` names what the user wrote it in (`--store`, `MCPO_STORE`, `config.json: store`);
 * `password` (MCPO_STORE_PASSWORD) is used unless the URL carries one.
 */
export function parseStoreUrl(raw: string, where: string, password?: string): RedisStoreAddress {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    // The value is not repeated: a password with an unencoded character is what usually makes it unparseable.
    throw new UsageError(`${where}: not a URL; expected redis://[:password@]host:port/db or rediss://… (percent-encode the password, or give it in MCPO_STORE_PASSWORD)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`${where}: only redis:// and rediss:// stores are supported, not ${url.protocol}//`);
  }
  if (!url.hostname) throw new UsageError(`${where}: the store URL names no host`);
  if (url.search || url.hash) throw new UsageError(`${where}: the store URL must not have a query or fragment`);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^(0|[1-9]\d{0,4})$/.test(dbText)) {
    throw new UsageError(`${where}: the database "${dbText}" is not a number (redis://host:port/0)`);
  }
  if (password !== undefined && password !== '' && !url.password) url.password = encodeURIComponent(password);
  const db = dbText === '' ? 0 : Number(dbText);
  const shownUrl = new URL(url.href);
  shownUrl.password = '';
  shownUrl.username = '';
  return {
    url: url.href,
    shown: `${shownUrl.protocol}//${shownUrl.host}/${db}`,
    tls: url.protocol === 'rediss:',
    db,
  };
}

/** A key prefix: printable ASCII without spaces, at most 64 characters (it starts every key mcpo writes). */
export function parseStorePrefix(raw: string, where: string): string {
  // No glob characters: `rotate-key` lists records with SCAN MATCH <prefix>tokens:*, which must not reach another prefix's.
  if (!/^[!-~]{1,64}$/.test(raw) || /[*?[\]\\]/.test(raw)) {
    throw new UsageError(`${where}: a key prefix is 1 to 64 printable characters without spaces or * ? [ ] \\, e.g. "mcpo:" or "team-a:mcpo:"`);
  }
  return raw;
}
