/**
 * The sealed form of a token record: AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce per write and a
 * 128-bit tag, the record's identity bound as associated data, so a record copied under another identity (another
 * token file name, another store key) fails authentication like a tampered one.
 *
 *   {"mcpoEncrypted":1,"kid":"<key id>","iv":"<base64url>","tag":"<base64url>","data":"<base64url>"}
 *
 * The associated data is `mcpo token record 1\n<kid>\n<identity>`: the format version and key id are covered too.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { TokenKey } from './tokenKeys.js';

export const ENVELOPE_VERSION = 1;
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export const EnvelopeSchema = z.object({
  mcpoEncrypted: z.literal(ENVELOPE_VERSION),
  kid: z.string().min(1),
  iv: z.string().regex(BASE64URL),
  tag: z.string().regex(BASE64URL),
  data: z.string().regex(BASE64URL),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** True for JSON that is meant as an envelope (whether or not it is a valid one). */
export function looksSealed(json: unknown): json is Record<string, unknown> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && Object.hasOwn(json, 'mcpoEncrypted');
}

function associatedData(kid: string, identity: string): Buffer {
  return Buffer.from(`mcpo token record ${ENVELOPE_VERSION}\n${kid}\n${identity}`, 'utf8');
}

/** Seals `plaintext` for `identity` with `key`. */
export function seal(plaintext: string, identity: string, key: TokenKey): Envelope {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(key.id, identity));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { mcpoEncrypted: ENVELOPE_VERSION, kid: key.id, iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), data: data.toString('base64url') };
}

/** The plaintext of `envelope` sealed for `identity` with `key`, or undefined when it fails authentication. */
export function unseal(envelope: Envelope, identity: string, key: TokenKey): string | undefined {
  const iv = Buffer.from(envelope.iv, 'base64url');
  const tag = Buffer.from(envelope.tag, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(envelope.kid, identity));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined; // "Unsupported state or unable to authenticate data": tampered, or another identity
  }
}
