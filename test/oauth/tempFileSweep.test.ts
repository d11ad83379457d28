/**
 * Regression: a process killed in the middle of an atomic token write left its temp file
 * (`.<hash>.json.<random>.tmp`) in the tokens folder forever. Opening a file token store now removes the
 * leftovers of this store's naming scheme whose writer is gone (or, for names without a pid, that are older
 * than DEFAULT_STALE_TEMP_AGE_MS), and nothing else: never a live writer's temp file, never a foreign file.
 *
 * Temp names written now: `.<hash>.json.<pid>-<host>.<random>.tmp`, <host> being the first 8 hex digits of
 * sha256(os.hostname()), so a pid is only judged on the host that wrote it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, rename as fsRename, symlink, utimes, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore, type FileTokenStoreOptions } from '../../src/oauth/store/fileTokenStore.js';
import { tokenFileName, tokensDir } from '../../src/oauth/store/paths.js';
import type { StoreFs } from '../../src/oauth/store/privateFiles.js';
import { makeTmpDir, sampleState } from './storeHelpers.js';

const SERVER = 'https://mcp.example/mcp';
const OTHER = 'https://other.example/mcp';
const MINUTE = 60_000;

let tmp: { dir: string; cleanup: () => Promise<void> };
let home: string;
let dir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  tmp = await makeTmpDir();
  home = path.join(tmp.dir, '.mcpo');
  dir = tokensDir(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid);
  await tmp.cleanup();
});

function store(options: Partial<FileTokenStoreOptions> = {}): FileTokenStore {
  return new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic', ...options });
}

const hex16 = () => randomBytes(8).toString('hex');
const hostTag = (host = hostname()) => createHash('sha256').update(host, 'utf8').digest('hex').slice(0, 8);
const tokenFile = (server = SERVER) => tokenFileName(server, 'dynamic');
/** The temp name of a write by `pid` on `host`. */
const pidTemp = (pid: number, host?: string, server?: string) => `.${tokenFile(server)}.${pid}-${hostTag(host)}.${hex16()}.tmp`;
/** The temp name earlier versions wrote (no pid). */
const legacyTemp = (server?: string) => `.${tokenFile(server)}.${hex16()}.tmp`;

async function put(name: string, ageMs = 0): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, '{"partial": ', { mode: 0o600 });
  const at = (Date.now() - ageMs) / 1000;
  await utimes(file, at, at);
  return name;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid!;
  await once(child, 'exit');
  return pid;
}

/** A process that stays alive until the test ends (killed by its pid in afterEach). */
async function livePid(): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child.pid!;
}

const listing = async () => (await readdir(dir)).sort();

describe('leftover temp files of interrupted token writes', () => {
  it('removes, when a store is opened, the temp files of writers that died and old ones without a pid, of any server', async () => {
    const stale = [
      await put(pidTemp(await deadPid())),
      await put(pidTemp(await deadPid(), undefined, OTHER)),
      await put(legacyTemp(), 11 * MINUTE),
      await put(legacyTemp(OTHER), 60 * MINUTE),
      await put(`${tokenFile()}`.replace(/\.json$/, `.lock.${hex16()}.tmp`), 11 * MINUTE),
      await put(`${tokenFile()}`.replace(/\.json$/, `.lock.stale-${hex16()}`), 11 * MINUTE),
    ];
    expect(await listing()).toEqual([...stale].sort());
    expect(await store().load()).toBeUndefined();
    expect(await listing()).toEqual([]);
  });

  it('removes them before the first write too, leaving only the token file', async () => {
    await put(pidTemp(await deadPid()));
    await put(legacyTemp(), 30 * MINUTE);
    await store().save(sampleState());
    expect(await listing()).toEqual([tokenFile()]);
  });

  it('keeps the temp files of a live process, fresh ones without a pid, and young ones written on another host', async () => {
    const kept = [
      await put(pidTemp(await livePid())),
      await put(pidTemp(await livePid(), undefined, OTHER), 60 * MINUTE),
      await put(legacyTemp(), 5 * MINUTE),
      await put(pidTemp(await deadPid(), 'another-host'), 5 * MINUTE),
    ];
    await store().load();
    await store().save(sampleState());
    expect(await listing()).toEqual([...kept, tokenFile()].sort());
  });

  it('judges temp files written on another host by age alone, their pids meaning nothing here', async () => {
    const young = await put(pidTemp(await livePid(), 'another-host'), 5 * MINUTE);
    await put(pidTemp(await livePid(), 'another-host'), 11 * MINUTE);
    await store().load();
    expect(await listing()).toEqual([young]);
  });

  it('never touches files outside its naming scheme, nor folders or links with a matching name', async () => {
    const hash = tokenFile().replace(/\.json$/, '');
    const foreign = [
      await put('notes.txt', 60 * MINUTE),
      await put(`.${hash}.txt.${hex16()}.tmp`, 60 * MINUTE),
      await put(`.short.json.${hex16()}.tmp`, 60 * MINUTE),
      await put(`.${tokenFile()}.${hex16()}.tmp.bak`, 60 * MINUTE),
      await put(`${tokenFile()}.corrupt-1700000000000`, 60 * MINUTE),
      await put(`.${tokenFile()}.${await deadPid()}-zzzzzzzz.${hex16()}.tmp`, 1000),
    ];
    const folder = legacyTemp();
    await mkdir(path.join(dir, folder));
    await utimes(path.join(dir, folder), (Date.now() - 60 * MINUTE) / 1000, (Date.now() - 60 * MINUTE) / 1000);
    const target = path.join(tmp.dir, 'precious');
    await writeFile(target, 'keep me');
    const link = pidTemp(await deadPid());
    await symlink(target, path.join(dir, link));
    await store().load();
    expect(await listing()).toEqual([...foreign, folder, link].sort());
    expect(await nodeFs.readFile(target, 'utf8')).toBe('keep me');
  });

  it('keeps the temp file this process is writing for another server right now', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let paused!: () => void;
    const atRename = new Promise<void>((resolve) => (paused = resolve));
    const slowRename: StoreFs = {
      ...nodeFs,
      rename: async (from, to) => {
        paused();
        await gate; // the temp file is written, not yet renamed: a write in flight
        return fsRename(from, to);
      },
    };
    const writing = store({ serverUrl: OTHER, fs: slowRename }).save(sampleState(OTHER));
    await atRename;
    const inFlight = (await listing()).filter((name) => name.endsWith('.tmp'));
    expect(inFlight).toHaveLength(1);
    expect(inFlight[0]).toContain(`.${process.pid}-${hostTag()}.`);

    await store().load();
    expect(await listing()).toContain(inFlight[0]);
    release();
    await writing;
    expect(await listing()).toEqual([tokenFile(OTHER)]);
  });

  it('removes a temp file bearing this process’s own pid that it is not writing (a restarted container reusing the pid)', async () => {
    await put(pidTemp(process.pid));
    await store().load();
    expect(await listing()).toEqual([]);
  });

  it('keeps opening the store when the folder cannot be listed', async () => {
    const unlistable: StoreFs = {
      ...nodeFs,
      readdir: (async () => {
        throw Object.assign(new Error('simulated EACCES'), { code: 'EACCES' });
      }) as unknown as StoreFs['readdir'],
    };
    const s = store({ fs: unlistable });
    await s.save(sampleState());
    expect(await s.load()).toEqual(sampleState());
  });
});
