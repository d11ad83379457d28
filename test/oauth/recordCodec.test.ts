/**
 * The record codec (issue #18, encryption at rest) with real AES-256-GCM: what any token store (files today, Redis
 * later) writes and reads back, independent of where the text is kept.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRecordCodec, plainRecordCodec } from '../../src/oauth/store/codec/recordCodec.js';
import { parseTokenKeys, splitKeyLines, splitKeyList, tokenKeyId } from '../../src/oauth/store/codec/tokenKeys.js';
import { sampleState, SECRET_ACCESS_TOKEN } from './storeHelpers.js';

const newKeyText = (encoding: BufferEncoding = 'base64') => randomBytes(32).toString(encoding);
const keysOf = (...texts: string[]) => parseTokenKeys(splitKeyList(texts.join(',')), 'MCPO_TOKEN_KEY');
const ID = 'a'.repeat(64) + '.json';

describe('the plain codec', () => {
  it('writes exactly the JSON mcpo wrote before keys existed, and reads it back as current', () => {
    const text = plainRecordCodec.encode(sampleState(), ID);
    expect(text).toBe(JSON.stringify(sampleState(), null, 2) + '\n');
    expect(plainRecordCodec.decode(text, ID)).toEqual({ kind: 'record', record: sampleState(), current: true });
  });

  it('calls a sealed record no_key, naming its key id, and leaves judging it to the store', () => {
    const [key] = keysOf(newKeyText());
    const sealed = createRecordCodec([key!]).encode(sampleState(), ID);
    expect(plainRecordCodec.decode(sealed, ID)).toEqual({ kind: 'no_key', keyId: key!.id });
  });

  it('calls text that is not a record corrupt', () => {
    expect(plainRecordCodec.decode('{"tokens": ', ID)).toEqual({ kind: 'corrupt' });
    expect(plainRecordCodec.decode('{"version": 2, "serverUrl": "x"}', ID)).toEqual({ kind: 'corrupt' });
  });
});

describe('the encrypting codec', () => {
  it('round-trips a record; the text is an envelope naming the key id, without any token text', () => {
    const keys = keysOf(newKeyText());
    const codec = createRecordCodec(keys);
    const text = codec.encode(sampleState(), ID);
    expect(codec.decode(text, ID)).toEqual({ kind: 'record', record: sampleState(), current: true });
    const envelope = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(envelope)).toEqual(['mcpoEncrypted', 'kid', 'iv', 'tag', 'data']);
    expect(envelope).toMatchObject({ mcpoEncrypted: 1, kid: keys[0]!.id });
    for (const secret of [SECRET_ACCESS_TOKEN, 'rt-secret', 'mcp.example', 'access_token', 'Bearer']) expect(text).not.toContain(secret);
  });

  it('uses a fresh nonce for every write: the same record never gives the same text twice', () => {
    const codec = createRecordCodec(keysOf(newKeyText()));
    const a = JSON.parse(codec.encode(sampleState(), ID)) as { iv: string; data: string };
    const b = JSON.parse(codec.encode(sampleState(), ID)) as { iv: string; data: string };
    expect(Buffer.from(a.iv, 'base64url')).toHaveLength(12);
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
  });

  it('refuses a record read under another identity (copied to another file name or key)', () => {
    const codec = createRecordCodec(keysOf(newKeyText()));
    const text = codec.encode(sampleState(), ID);
    expect(codec.decode(text, 'b'.repeat(64) + '.json')).toEqual({ kind: 'refused' });
  });

  it('refuses a record with any one byte of its ciphertext, tag or nonce changed', () => {
    const codec = createRecordCodec(keysOf(newKeyText()));
    const envelope = JSON.parse(codec.encode(sampleState(), ID)) as Record<'iv' | 'tag' | 'data', string>;
    for (const field of ['iv', 'tag', 'data'] as const) {
      const bytes = Buffer.from(envelope[field], 'base64url');
      bytes[bytes.length >> 1]! ^= 0x01;
      const tampered = JSON.stringify({ ...envelope, [field]: bytes.toString('base64url') });
      expect(codec.decode(tampered, ID), field).toEqual({ kind: 'refused' });
    }
    expect(codec.decode(JSON.stringify({ ...envelope, tag: '' }), ID)).toEqual({ kind: 'refused' });
  });

  it('calls a record sealed with a key it does not have no_key', () => {
    const theirs = keysOf(newKeyText());
    const text = createRecordCodec(theirs).encode(sampleState(), ID);
    expect(createRecordCodec(keysOf(newKeyText())).decode(text, ID)).toEqual({ kind: 'no_key', keyId: theirs[0]!.id });
  });

  it('reads plaintext records (written before the key was set) as not current, so the next write seals them', () => {
    const codec = createRecordCodec(keysOf(newKeyText()));
    expect(codec.decode(plainRecordCodec.encode(sampleState(), ID), ID)).toEqual({ kind: 'record', record: sampleState(), current: false });
  });

  it('reads with an older key (second in the list) as not current and seals with the first', () => {
    const oldKey = newKeyText();
    const newKey = newKeyText();
    const before = createRecordCodec(keysOf(oldKey)).encode(sampleState(), ID);
    const rotating = createRecordCodec(keysOf(newKey, oldKey));
    expect(rotating.decode(before, ID)).toEqual({ kind: 'record', record: sampleState(), current: false });
    const after = rotating.encode(sampleState(), ID);
    expect(createRecordCodec(keysOf(newKey)).decode(after, ID)).toEqual({ kind: 'record', record: sampleState(), current: true });
    expect(rotating.keyIds).toEqual(keysOf(newKey, oldKey).map((k) => k.id));
  });
});

describe('token keys', () => {
  it('accept base64, unpadded base64url and hex spellings of the same 32 bytes, with the same id', () => {
    const raw = randomBytes(32);
    const ids = [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex'), ` ${raw.toString('hex').toUpperCase()} `].map((text) => keysOf(text)[0]!.id);
    expect(new Set(ids)).toEqual(new Set([tokenKeyId(raw)]));
    expect(ids[0]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('name the variable and the position of a bad key, never the key itself', () => {
    const good = newKeyText();
    const short = randomBytes(16).toString('base64');
    const cases: [string, string][] = [
      [`${good},${short}`, 'MCPO_TOKEN_KEY: key 2 of 2 is 16 bytes, not 32'],
      [`${good},,${good}`, 'MCPO_TOKEN_KEY: key 2 of 3 is empty'],
      ['not a key!', 'MCPO_TOKEN_KEY: the key is neither base64 nor hex'],
      [`${good},`, 'MCPO_TOKEN_KEY: key 2 of 2 is empty'],
    ];
    for (const [value, message] of cases) {
      const attempt = () => parseTokenKeys(splitKeyList(value), 'MCPO_TOKEN_KEY');
      expect(attempt).toThrow(message);
      try {
        attempt();
      } catch (error) {
        expect((error as Error).message).not.toContain(short);
        expect((error as Error).message).not.toContain(good);
        expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      }
    }
  });

  it('in a file: one per line, comments and blank lines skipped, a bad one named by its line', () => {
    const text = `# new\n${newKeyText()}\n\n# old\n${newKeyText('hex')}\n`;
    expect(parseTokenKeys(splitKeyLines(text), 'keys.txt')).toHaveLength(2);
    expect(() => parseTokenKeys(splitKeyLines(`${newKeyText()}\n\nabc\n`), '--token-key-file /k')).toThrow('--token-key-file /k: line 3 is 2 bytes, not 32');
    expect(() => parseTokenKeys(splitKeyLines('# only a comment\n'), '--token-key-file /k')).toThrow('--token-key-file /k: no key given');
  });

  it('count a key given twice once, and print as a key object without its bytes', () => {
    const text = newKeyText();
    const keys = keysOf(text, text);
    expect(keys).toHaveLength(1);
    expect(inspect(keys)).not.toContain(text);
    expect(JSON.stringify(keys)).not.toContain(text);
  });
});
