import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpoOAuthError } from '../../src/oauth/errors.js';
import { FileTokenStore, type FileTokenStoreOptions } from '../../src/oauth/store/fileTokenStore.js';
import type { StoreFs } from '../../src/oauth/store/privateFiles.js';
import { captureLogger, makeTmpDir, sampleState, SECRET_ACCESS_TOKEN } from './storeHelpers.js';

const SERVER = 'https://mcp.example/mcp';
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

let tmp: { dir: string; cleanup: () => Promise<void> };
let home: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
  home = path.join(tmp.dir, '.mcpo');
});
afterEach(() => tmp.cleanup());

function store(options: Partial<FileTokenStoreOptions> = {}): FileTokenStore {
  return new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic', ...options });
}

describe('FileTokenStore on disk', () => {
  it('returns undefined before anything was saved, and what was saved afterwards', async () => {
    const s = store();
    expect(await s.load()).toBeUndefined();
    await s.save(sampleState());
    expect(await s.load()).toEqual(sampleState());
    expect(await store().load()).toEqual(sampleState());
  });

  it('writes the file 0600 inside a 0700 tokens folder inside a 0700 mcpo home', async () => {
    const s = store();
    await s.save(sampleState());
    expect(path.dirname(s.location)).toBe(path.join(home, 'tokens'));
    expect(await mode(home)).toBe(0o700);
    expect(await mode(path.join(home, 'tokens'))).toBe(0o700);
    expect(await mode(s.location)).toBe(0o600);
  });

  it('tightens an existing world-readable .mcpo home and tokens folder to 0700', async () => {
    await mkdir(path.join(home, 'tokens'), { recursive: true });
    await chmod(home, 0o755);
    await chmod(path.join(home, 'tokens'), 0o755);
    await store().save(sampleState());
    expect(await mode(home)).toBe(0o700);
    expect(await mode(path.join(home, 'tokens'))).toBe(0o700);
  });

  it('leaves a custom MCPO_HOME folder as the user set it but still locks down its tokens folder', async () => {
    const custom = path.join(tmp.dir, 'shared');
    await mkdir(custom, { mode: 0o755 });
    await chmod(custom, 0o755);
    await store({ mcpoHome: custom }).save(sampleState());
    expect(await mode(custom)).toBe(0o755);
    expect(await mode(path.join(custom, 'tokens'))).toBe(0o700);
  });

  it('brings a token file with looser permissions back to 0600 when loading it', async () => {
    const { logger, lines } = captureLogger();
    const s = store({ logger });
    await s.save(sampleState());
    await chmod(s.location, 0o644);
    expect(await s.load()).toEqual(sampleState());
    expect(await mode(s.location)).toBe(0o600);
    expect(lines.join('\n')).toContain('permissions set to 0600');
  });

  // Issue #14 item 5: files another user could have written or redirected are refused, never used.
  it('refuses a token file others may write to, a token file that is a symbolic link, and a tokens folder others may write to', async () => {
    const s = store();
    await s.save(sampleState());
    await chmod(s.location, 0o666);
    await expect(s.load()).rejects.toMatchObject({ reason: 'store_untrusted', message: expect.stringContaining(`${s.location}, which is writable by others (mode 0666)`) });
    await chmod(s.location, 0o600);

    const elsewhere = path.join(tmp.dir, 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify(sampleState()), { mode: 0o600 });
    await nodeFs.rm(s.location);
    await nodeFs.symlink(elsewhere, s.location);
    await expect(s.load()).rejects.toMatchObject({ reason: 'store_untrusted', message: expect.stringContaining(`${s.location}, which is a symbolic link`) });
    await nodeFs.rm(s.location);

    await chmod(path.dirname(s.location), 0o770);
    await expect(s.load()).rejects.toMatchObject({ message: expect.stringContaining('which is writable by its group') });
    await expect(s.save(sampleState())).rejects.toMatchObject({ reason: 'store_untrusted' });
  });

  it('refuses files and folders owned by another user', async () => {
    const s = store({ uid: 4242 });
    await expect(s.save(sampleState())).rejects.toMatchObject({ reason: 'store_untrusted', message: expect.stringContaining('not by this user (uid 4242)') });
    await expect(s.load()).rejects.toMatchObject({ reason: 'store_untrusted' });
  });

  it('leaves no temp file behind after saving', async () => {
    const s = store();
    await s.save(sampleState());
    await s.save(sampleState(SERVER, 'at-2'));
    expect(await readdir(path.dirname(s.location))).toEqual([path.basename(s.location)]);
  });

  // On Linux through the descriptor of the tokens folder it checked (/proc/self/fd/N), so a folder swapped
  // meanwhile by another user (a shared MCPO_HOME) receives nothing: see sharedHome.test.ts.
  it('writes a 0600 temp file in the same folder with O_EXCL, then renames it over the token file', async () => {
    const calls: string[] = [];
    const fs: StoreFs = {
      ...nodeFs,
      open: (async (file: string, flags: string, m?: number) => {
        if (String(file).endsWith('.tmp')) calls.push(`open ${path.dirname(String(file))} ${flags} ${m?.toString(8)}`);
        return nodeFs.open(file, flags, m);
      }) as StoreFs['open'],
      rename: async (from, to) => {
        calls.push(`rename ${path.dirname(String(from))} -> ${String(to)}`);
        return nodeFs.rename(from, to);
      },
    };
    const s = store({ fs });
    await s.save(sampleState());
    const dir = process.platform === 'linux' ? expect.stringMatching(/^\/proc\/self\/fd\/\d+$/) : path.dirname(s.location);
    expect(calls).toEqual([expect.stringMatching(/ wx 600$/), expect.stringMatching(/^rename /)]);
    const [, openedIn] = /^open (\S+) /.exec(calls[0]!)!;
    expect(openedIn).toEqual(dir);
    expect(calls[1]).toBe(`rename ${openedIn} -> ${openedIn}/${path.basename(s.location)}`);
  });

  it('keeps the previous file intact when the process fails between writing and renaming', async () => {
    await store().save(sampleState());
    const failingRename: StoreFs = {
      ...nodeFs,
      rename: async () => {
        throw Object.assign(new Error('simulated crash before rename'), { code: 'EIO' });
      },
    };
    const s = store({ fs: failingRename });
    const err = await s.save(sampleState(SERVER, 'at-new')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpoOAuthError);
    expect((err as McpoOAuthError).reason).toBe('store_io');
    expect(await store().load()).toEqual(sampleState());
    expect(await readdir(path.dirname(s.location))).toEqual([path.basename(s.location)]);
  });

  it('refuses to save a state that does not match the schema, keeping the old file', async () => {
    const s = store();
    await s.save(sampleState());
    await expect(s.save({ version: 1, serverUrl: SERVER, tokens: { token_type: 'Bearer' } } as never)).rejects.toThrow();
    expect(await s.load()).toEqual(sampleState());
  });

  it('clear() removes only this server’s file and tolerates a missing one', async () => {
    const a = store();
    const b = store({ serverUrl: 'https://other.example/mcp' });
    await a.save(sampleState());
    await b.save(sampleState('https://other.example/mcp'));
    await a.clear();
    await a.clear();
    expect(await a.load()).toBeUndefined();
    expect(await b.load()).toEqual(sampleState('https://other.example/mcp'));
  });
});

describe('FileTokenStore keys', () => {
  it('keeps two servers and two client identities in separate files', async () => {
    const stores = [
      store(),
      store({ serverUrl: 'https://other.example/mcp' }),
      store({ clientIdentity: 'configured-client' }),
    ];
    await Promise.all(stores.map((s, i) => s.save(sampleState(SERVER, `at-${i}`))));
    expect(new Set(stores.map((s) => s.location)).size).toBe(3);
    for (const [i, s] of stores.entries()) expect((await s.load())?.tokens?.access_token).toBe(`at-${i}`);
  });

  it('finds the same file through an equivalent spelling of the server URL', async () => {
    await store().save(sampleState());
    expect(await store({ serverUrl: 'HTTPS://MCP.example:443/mcp/' }).load()).toEqual(sampleState());
  });
});

describe('FileTokenStore with a damaged file', () => {
  it('warns naming the file, keeps a copy aside, returns undefined and leaves other files alone', async () => {
    const { logger, lines } = captureLogger();
    const s = store({ logger, now: () => 1234 });
    const other = store({ serverUrl: 'https://other.example/mcp' });
    await other.save(sampleState('https://other.example/mcp'));
    const otherBefore = await readFile(other.location, 'utf8');
    await mkdir(path.dirname(s.location), { recursive: true });
    const garbage = `{"tokens": {"access_token": "${SECRET_ACCESS_TOKEN}"`;
    await writeFile(s.location, garbage);

    expect(await s.load()).toBeUndefined();
    const aside = `${s.location}.corrupt-1234`;
    expect(await readFile(aside, 'utf8')).toBe(garbage);
    expect(await mode(aside)).toBe(0o600);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('WARN');
    expect(lines[0]).toContain(s.location);
    expect(lines.join('\n')).not.toContain(SECRET_ACCESS_TOKEN);
    expect(await readFile(other.location, 'utf8')).toBe(otherBefore);

    // Loading the same bad file again neither warns again nor makes another copy.
    expect(await s.load()).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect((await readdir(path.dirname(s.location))).filter((f) => f.includes('.corrupt-'))).toHaveLength(1);

    // The fresh authorization's save replaces the bad file.
    await s.save(sampleState());
    expect(await s.load()).toEqual(sampleState());
  });

  it('treats valid JSON of another version or shape as corrupt', async () => {
    const { logger, lines } = captureLogger();
    const s = store({ logger });
    await mkdir(path.dirname(s.location), { recursive: true });
    await writeFile(s.location, JSON.stringify({ version: 2, serverUrl: SERVER }));
    expect(await s.load()).toBeUndefined();
    expect(lines.join('\n')).toContain('corrupt');
  });

  it('warns and returns undefined when the file cannot be read', async () => {
    const { logger, lines } = captureLogger();
    const s = store({ logger });
    await mkdir(s.location, { recursive: true }); // a folder where the file should be: EISDIR
    expect(await s.load()).toBeUndefined();
    expect(lines.join('\n')).toContain('unreadable');
    expect(lines.join('\n')).toContain(s.location);
  });
});
