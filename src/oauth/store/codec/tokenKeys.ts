/**
 * Token keys: the AES-256 keys that seal token records at rest (see recordCodec.ts). A key is 32 random bytes,
 * written as base64 (standard or URL-safe, padded or not) or as 64 hex digits. Keys live in KeyObjects, which
 * print as `SecretKeyObject { type: 'secret', symmetricKeySize: 32 }`, so a key never reaches a log line even by
 * accident. Its id (`kid`) is a short hash that names it in envelopes and messages and reveals nothing of it.
 */
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../../../errors.js';

/** Bytes of an AES-256 key. */
export const TOKEN_KEY_BYTES = 32;
/** Hex digits of a key id: 64 bits, so two keys of one deployment never share an id by chance. */
export const TOKEN_KEY_ID_HEX_DIGITS = 16;

/** How to make a key, shown in every message about a bad one. */
export const TOKEN_KEY_HINT = 'a key is 32 random bytes as base64 (openssl rand -base64 32) or as 64 hex digits (openssl rand -hex 32)';

export interface TokenKey {
  /** Short hash of the key (never the key): names it in envelopes and messages. */
  readonly id: string;
  readonly key: KeyObject;
}

/** A key's text and where it was written, for messages: "key 2" of a list, "line 3" of a file. */
export interface TokenKeyText {
  text: string;
  position: string;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The key id of `raw`: the first 16 hex digits of sha256("mcpo token key id\n" ‖ key). */
export function tokenKeyId(raw: Buffer): string {
  return createHash('sha256').update('mcpo token key id\n').update(raw).digest('hex').slice(0, TOKEN_KEY_ID_HEX_DIGITS);
}

/**
 * The keys in `texts`, in order (the first one seals, every one opens). Throws ConfigError naming `source`
 * (MCPO_TOKEN_KEY, or the key file) and the position of the first bad key, never the key itself. A key given
 * twice counts once.
 */
export function parseTokenKeys(texts: readonly TokenKeyText[], source: string): TokenKey[] {
  if (texts.length === 0) throw new ConfigError(`${source}: no key given; ${TOKEN_KEY_HINT}`);
  const keys: TokenKey[] = [];
  for (const { text, position } of texts) {
    const raw = decodeKey(text.trim(), (problem) => new ConfigError(`${source}: ${position} ${problem}; ${TOKEN_KEY_HINT}`));
    const id = tokenKeyId(raw);
    if (!keys.some((key) => key.id === id)) keys.push({ id, key: createSecretKey(raw) });
    raw.fill(0);
  }
  return keys;
}

/** MCPO_TOKEN_KEY's form: keys separated by commas ("new,old"); position "key N of M". */
export function splitKeyList(value: string): TokenKeyText[] {
  const parts = value.split(',');
  return parts.map((text, i) => ({ text, position: parts.length === 1 ? 'the key' : `key ${i + 1} of ${parts.length}` }));
}

/** A key file's form: one key per line; blank lines and lines starting with # are skipped; position "line N". */
export function splitKeyLines(text: string): TokenKeyText[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ text: line.trim(), position: `line ${i + 1}` }))
    .filter(({ text: line }) => line !== '' && !line.startsWith('#'));
}

function decodeKey(text: string, fail: (problem: string) => Error): Buffer {
  if (text === '') throw fail('is empty');
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  if (!BASE64.test(text) && !BASE64URL.test(text)) throw fail('is neither base64 nor hex');
  const raw = Buffer.from(text, BASE64.test(text) ? 'base64' : 'base64url');
  if (raw.length !== TOKEN_KEY_BYTES) {
    raw.fill(0);
    throw fail(`is ${raw.length} bytes, not ${TOKEN_KEY_BYTES}`);
  }
  return raw;
}
