/**
 * FileTokenStore with token keys (issue #18, encryption at rest), on real files in a temp mcpo home with real
 * AES-256-GCM: what is on disk, what a missing or wrong key does (nothing to the file), a tampered or renamed file
 * (kept aside), plaintext files written before the key (read, then sealed), and rotate-key.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenFileEncryptedError } from '../../src/oauth/errors.js';
import { createRecordCodec, type RecordCodec } from '../../src/oauth/store/codec/recordCodec.js';
import { parseTokenKeys, splitKeyList } from '../../src/oauth/store/codec/tokenKeys.js';
import { FileTokenStore, type FileTokenStoreOptions } from '../../src/oauth/store/fileTokenStore.js';
import { rotateTokenKey } from '../../src/oauth/store/rotateKey.js';
import { captureLogger, makeTmpDir, sampleState, SECRET_ACCESS_TOKEN } from './storeHelpers.js';

const SERVER = 'https://mcp.example/mcp';
const OTHER = 'https://other.example/mcp';
const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
const codecOf = (...keys: string[]): RecordCodec => createRecordCodec(keys.length ? parseTokenKeys(splitKeyList(keys.join(',')), 'MCPO_TOKEN_KEY') : []);

let tmp: { dir: string; cleanup: () => Promise<void> };
let home: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
  home = path.join(tmp.dir, '.mcpo');
});
afterEach(() => tmp.cleanup());

function store(codec: RecordCodec | undefined, options: Partial<FileTokenStoreOptions> = {}): FileTokenStore {
  return new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic', ...(codec ? { codec } : {}), ...options });
}

/** Contents, mtime and the folder's listing: what "left as it is" means. */
async function snapshot(file: string) {
  return { text: await readFile(file, 'utf8'), mtimeMs: (await stat(file)).mtimeMs, listing: (await readdir(path.dirname(file))).sort() };
}

describe('FileTokenStore with a token key', () => {
  it('round-trips the record; the file is an envelope without any token text, 0600', async () => {
    const s = store(codecOf(NEW_KEY));
    await s.save(sampleState());
    expect(await s.load()).toEqual(sampleState());
    expect(await store(codecOf(NEW_KEY)).load()).toEqual(sampleState());
    const text = await readFile(s.location, 'utf8');
    expect(text).toMatch(/^\{"mcpoEncrypted":1,"kid":"[0-9a-f]{16}","iv":"[\w-]+","tag":"[\w-]+","data":"[\w-]+"\}\n$/);
    for (const secret of [SECRET_ACCESS_TOKEN, 'rt-secret', 'mcp.example', NEW_KEY]) expect(text).not.toContain(secret);
    expect((await stat(s.location)).mode & 0o777).toBe(0o600);
  });

  it('without a key writes the same bytes as before keys existed', async () => {
    const s = store(undefined);
    await s.save(sampleState());
    expect(await readFile(s.location, 'utf8')).toBe(JSON.stringify(sampleState(), null, 2) + '\n');
  });

  it('with no key configured, an encrypted file is refused with a clear error and neither overwritten nor moved', async () => {
    await store(codecOf(NEW_KEY)).save(sampleState());
    const { logger, lines } = captureLogger();
    const keyless = store(undefined, { logger });
    const before = await snapshot(keyless.location);
    const load = keyless.load();
    await expect(load).rejects.toBeInstanceOf(TokenFileEncryptedError);
    await expect(load).rejects.toMatchObject({
      code: 'OAUTH_ERROR',
      reason: 'store_encrypted',
      message: expect.stringMatching(new RegExp(`^Token file ${keyless.location} is encrypted with key id [0-9a-f]{16} and no token key is configured: set MCPO_TOKEN_KEY`)),
    });
    await expect(keyless.save(sampleState(SERVER, 'at-other'))).rejects.toMatchObject({ reason: 'store_encrypted' });
    expect(await snapshot(keyless.location)).toEqual(before);
    expect(lines).toEqual([]);
  });

  it('with other keys only, an encrypted file is refused naming both key ids, and left as it is', async () => {
    await store(codecOf(OLD_KEY)).save(sampleState());
    const wrong = store(codecOf(NEW_KEY));
    const before = await snapshot(wrong.location);
    const [oldId, newId] = [codecOf(OLD_KEY).keyIds[0]!, codecOf(NEW_KEY).keyIds[0]!];
    await expect(wrong.load()).rejects.toMatchObject({
      reason: 'store_encrypted',
      keyId: oldId,
      message: expect.stringContaining(`is encrypted with key id ${oldId} and none of the configured token keys (key ids ${newId}) is that key`),
    });
    await expect(wrong.save(sampleState())).rejects.toBeInstanceOf(TokenFileEncryptedError);
    expect(await snapshot(wrong.location)).toEqual(before);
  });

  it('refuses a file with one byte changed: warns naming the file (not its contents), keeps it aside, a new login replaces it', async () => {
    const { logger, lines } = captureLogger();
    const s = store(codecOf(NEW_KEY), { logger, now: () => 1234 });
    await s.save(sampleState());
    const envelope = JSON.parse(await readFile(s.location, 'utf8')) as { data: string };
    const bytes = Buffer.from(envelope.data, 'base64url');
    bytes[0]! ^= 0x80;
    const tampered = JSON.stringify({ ...envelope, data: bytes.toString('base64url') });
    await writeFile(s.location, tampered);

    expect(await s.load()).toBeUndefined();
    expect(await readFile(`${s.location}.corrupt-1234`, 'utf8')).toBe(tampered);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('failed authentication');
    expect(lines[0]).toContain(s.location);
    expect(lines[0]).not.toContain(envelope.data.slice(0, 16));
    await s.save(sampleState(SERVER, 'at-fresh'));
    expect((await s.load())?.tokens?.access_token).toBe('at-fresh');
  });

  it("refuses another server's file copied over this one's (same key, another identity) and keeps it aside", async () => {
    const codec = codecOf(NEW_KEY);
    const mine = store(codec, { now: () => 99 });
    const theirs = store(codec, { serverUrl: OTHER });
    await theirs.save(sampleState(OTHER));
    await mkdir(path.dirname(mine.location), { recursive: true });
    await copyFile(theirs.location, mine.location);
    expect(await mine.load()).toBeUndefined();
    expect(await readFile(`${mine.location}.corrupt-99`, 'utf8')).toBe(await readFile(theirs.location, 'utf8'));
    expect(await theirs.load()).toEqual(sampleState(OTHER));
  });

  it('reads a plaintext file written before the key was set, and seals it on the next save', async () => {
    await store(undefined).save(sampleState());
    const s = store(codecOf(NEW_KEY));
    expect(await s.load()).toEqual(sampleState());
    expect(await readFile(s.location, 'utf8')).toContain(SECRET_ACCESS_TOKEN); // reading alone changes nothing
    await s.save(sampleState());
    expect(await readFile(s.location, 'utf8')).not.toContain(SECRET_ACCESS_TOKEN);
    expect(await store(codecOf(NEW_KEY)).load()).toEqual(sampleState());
  });
});

describe('rotateTokenKey', () => {
  it('re-writes every record with the new key (reading the old one), after which the old key can go', async () => {
    await store(codecOf(OLD_KEY)).save(sampleState());
    await store(undefined, { serverUrl: OTHER }).save(sampleState(OTHER)); // plaintext: sealed too
    const rotating = codecOf(NEW_KEY, OLD_KEY);
    const newId = rotating.keyIds[0]!;

    const first = await rotateTokenKey({ mcpoHome: home, codec: rotating });
    expect(first.rewritten).toHaveLength(2);
    expect(first.current).toEqual([]);
    expect(first.unreadable).toEqual([]);
    for (const name of first.rewritten) {
      expect(JSON.parse(await readFile(path.join(home, 'tokens', name), 'utf8'))).toMatchObject({ mcpoEncrypted: 1, kid: newId });
    }
    const again = await rotateTokenKey({ mcpoHome: home, codec: rotating });
    expect(again).toEqual({ rewritten: [], current: first.rewritten, unreadable: [] });

    const newOnly = codecOf(NEW_KEY);
    expect(await store(newOnly).load()).toEqual(sampleState());
    expect(await store(newOnly, { serverUrl: OTHER }).load()).toEqual(sampleState(OTHER));
    await expect(store(codecOf(OLD_KEY)).load()).rejects.toBeInstanceOf(TokenFileEncryptedError);
  });

  it('reports files it cannot read and leaves them as they are, kept aside copies and lock files untouched', async () => {
    const unknown = store(codecOf(OLD_KEY));
    await unknown.save(sampleState());
    const corrupt = store(undefined, { serverUrl: OTHER });
    await corrupt.save(sampleState(OTHER));
    await writeFile(corrupt.location, '{"tokens": ');
    await writeFile(`${corrupt.location}.corrupt-1`, 'old garbage');
    const before = [await snapshot(unknown.location), await snapshot(corrupt.location)];

    const report = await rotateTokenKey({ mcpoHome: home, codec: codecOf(NEW_KEY) });
    expect(report.rewritten).toEqual([]);
    expect(report.unreadable).toEqual(
      expect.arrayContaining([
        { file: path.basename(unknown.location), why: 'no_key' },
        { file: path.basename(corrupt.location), why: 'corrupt' },
      ]),
    );
    expect(report.unreadable).toHaveLength(2);
    expect([await snapshot(unknown.location), await snapshot(corrupt.location)]).toEqual(before);
  });

  it('holds the file lock of each record while re-writing it', async () => {
    await store(codecOf(OLD_KEY)).save(sampleState());
    const rotating = codecOf(NEW_KEY, OLD_KEY);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const lockTaken = new Promise<void>((resolve) => (entered = resolve));
    const holder = store(rotating).withLock(async () => {
      entered();
      await held;
    });
    await lockTaken;
    let done = false;
    const rotation = rotateTokenKey({ mcpoHome: home, codec: rotating }).then((report) => ((done = true), report));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(done).toBe(false);
    release();
    await holder;
    expect((await rotation).rewritten).toHaveLength(1);
  });

  it('finds nothing to do in a home without a tokens folder', async () => {
    expect(await rotateTokenKey({ mcpoHome: home, codec: codecOf(NEW_KEY) })).toEqual({ rewritten: [], current: [], unreadable: [] });
  });
});
