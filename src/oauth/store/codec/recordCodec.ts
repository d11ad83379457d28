/**
 * RecordCodec: a token record (StoredAuth) and the identity it is stored under ↔ the text a store keeps. It knows
 * nothing of files: the file store passes its file name as the identity, another store would pass its key.
 *
 * - Without keys (plainRecordCodec) the text is the record's JSON exactly as mcpo has always written it, and a
 *   sealed record cannot be read (`no_key`).
 * - With keys (createRecordCodec) records are sealed with the first key (envelope.ts); any key opens the records
 *   it sealed (matched by key id), so an old key still reads while records are re-written with the new one.
 *   Plaintext records are still read (written before a key was set) and reported not `current`, so the next
 *   write seals them.
 */
import { StoredAuthSchema, type StoredAuth } from '../schema.js';
import { EnvelopeSchema, looksSealed, seal, unseal } from './envelope.js';
import type { TokenKey } from './tokenKeys.js';

export type DecodedRecord =
  /** `current`: stored the way encode() would store it now (plaintext without keys, sealed with the first key with them). */
  | { kind: 'record'; record: StoredAuth; current: boolean }
  /** Not a record: not JSON, or not the schema (another version included). */
  | { kind: 'corrupt' }
  /** A sealed record that fails authentication: tampered with, or sealed for another identity. */
  | { kind: 'refused' }
  /** A sealed record whose key is not configured (`keyId` as the envelope names it, when it names one). */
  | { kind: 'no_key'; keyId: string | undefined };

export interface RecordCodec {
  /** Ids of the configured keys, the sealing one first; empty for plaintext. */
  readonly keyIds: readonly string[];
  /** The text to store `record` as under `identity`. */
  encode(record: StoredAuth, identity: string): string;
  /** What `text`, stored under `identity`, holds. */
  decode(text: string, identity: string): DecodedRecord;
}

/** Records as plaintext JSON (2-space indented, newline-terminated): what mcpo writes without a token key. */
export const plainRecordCodec: RecordCodec = createRecordCodec([]);

/** A codec sealing with `keys[0]` and opening with any of `keys`; plaintext when `keys` is empty. */
export function createRecordCodec(keys: readonly TokenKey[]): RecordCodec {
  const sealing = keys[0];
  return {
    keyIds: keys.map((key) => key.id),
    encode(record, identity) {
      const valid = StoredAuthSchema.parse(record);
      if (!sealing) return JSON.stringify(valid, null, 2) + '\n';
      return JSON.stringify(seal(JSON.stringify(valid), identity, sealing)) + '\n';
    },
    decode(text, identity) {
      const json = parseJson(text);
      if (!looksSealed(json)) {
        const record = asRecord(json);
        return record ? { kind: 'record', record, current: !sealing } : { kind: 'corrupt' };
      }
      const kid = typeof json.kid === 'string' ? json.kid : undefined;
      if (!sealing) return { kind: 'no_key', keyId: kid };
      const envelope = EnvelopeSchema.safeParse(json);
      if (!envelope.success) return { kind: 'refused' };
      const key = keys.find((k) => k.id === envelope.data.kid);
      if (!key) return { kind: 'no_key', keyId: kid };
      const plaintext = unseal(envelope.data, identity, key);
      if (plaintext === undefined) return { kind: 'refused' };
      // Authentic but not a record (a future version): like a corrupt plaintext file.
      const record = asRecord(parseJson(plaintext));
      return record ? { kind: 'record', record, current: key === sealing } : { kind: 'corrupt' };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asRecord(json: unknown): StoredAuth | undefined {
  const parsed = StoredAuthSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
