/**
 * Issue #14 (local attackers): with MCPO_HOME on a shared folder that is not sticky, another user may rename
 * the tokens folder away and put their own (or links of theirs) in its place at any moment. The store checked
 * the folder with lstat and then used it by path again (stat + chmod, temp file + rename), so a swap between
 * two steps made mcpo chmod whatever the other user pointed at and write its token file into their folder.
 * Here the swap is made by a real second Unix user at the worst moment: right after mcpo opened (or looked
 * at) what it is about to use.
 */
import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../src/oauth/store/fileTokenStore.js';
import { tokenFileName, tokensDir } from '../../src/oauth/store/paths.js';
import type { StoreFs } from '../../src/oauth/store/privateFiles.js';
import { NOT_ROOT, otherUser, runNodeAs } from '../helpers/otherUser.js';
import { sampleState } from './storeHelpers.js';

const SERVER = 'https://mcp.example/mcp';
const NAME = tokenFileName(SERVER, 'dynamic');
const user = otherUser();

/** The real file system, except that the other user's `swap` runs once, right after the first call `when` picks. */
function swappingFs(when: (call: 'open' | 'lstat', file: string) => boolean, swap: () => Promise<void>): StoreFs {
  let swapped = false;
  const after = async <T>(call: 'open' | 'lstat', file: unknown, result: T): Promise<T> => {
    if (!swapped && when(call, String(file))) {
      swapped = true;
      await swap();
    }
    return result;
  };
  return {
    ...nodeFs,
    open: (async (file: string, flags?: string | number, mode?: number) => after('open', file, await nodeFs.open(file, flags, mode))) as StoreFs['open'],
    lstat: (async (file: string) => after('lstat', file, await nodeFs.lstat(file))) as StoreFs['lstat'],
  };
}

/** A mcpo home everyone may write (mode 0777, not sticky), as a shared folder can be. */
async function sharedHome(): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'mcpo-shared-home-'));
  await chmod(home, 0o777);
  return home;
}

async function attacker(script: string): Promise<void> {
  const run = await runNodeAs(user!, `import * as fs from 'node:fs';\n${script}`);
  expect(run.stderr).toBe('');
}

describe.skipIf(!user)(`a shared, non-sticky MCPO_HOME against another local user (${user ? user.name : NOT_ROOT})`, () => {
  it('loading never changes the mode of what the other user points the tokens folder at', async () => {
    const home = await sharedHome();
    await new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic' }).save(sampleState(SERVER));
    // A file of the victim's that others may read (their ~/.profile, a page they publish).
    const victim = path.join(await mkdtemp(path.join(tmpdir(), 'mcpo-victim-')), 'published.html');
    await writeFile(victim, 'public\n', { mode: 0o644 });
    await chmod(victim, 0o644);
    const tokens = tokensDir(home);
    const fs = swappingFs(
      (call, file) => call === 'open' && path.basename(file) === NAME,
      () =>
        attacker(`
          fs.renameSync(${JSON.stringify(tokens)}, ${JSON.stringify(`${tokens}-moved`)});
          fs.mkdirSync(${JSON.stringify(tokens)}, { mode: 0o777 });
          fs.symlinkSync(${JSON.stringify(victim)}, ${JSON.stringify(path.join(tokens, NAME))});`),
    );
    const loaded = await new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic', fs }).load();
    expect(loaded).toEqual(sampleState(SERVER));
    expect((await stat(victim)).mode & 0o777).toBe(0o644);
  });

  it('saving writes only into the tokens folder it checked: nothing into the folder the other user put in its place', async () => {
    const home = await sharedHome();
    await new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic' }).save(sampleState(SERVER, 'at-old'));
    const tokens = tokensDir(home);
    const fs = swappingFs(
      (_call, file) => file === tokens,
      () =>
        attacker(`
          fs.renameSync(${JSON.stringify(tokens)}, ${JSON.stringify(`${tokens}-moved`)});
          fs.mkdirSync(${JSON.stringify(tokens)}, { mode: 0o777 });
          fs.chmodSync(${JSON.stringify(tokens)}, 0o777);`),
    );
    await new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic', fs }).save(sampleState(SERVER, 'at-new'));
    expect(await readdir(tokens)).toEqual([]);
    const theirs = await stat(tokens);
    expect(theirs.uid).toBe(user!.uid);
    expect(theirs.mode & 0o777).toBe(0o777);
    const saved = JSON.parse(await readFile(path.join(`${tokens}-moved`, NAME), 'utf8')) as { tokens: { access_token: string } };
    expect(saved.tokens.access_token).toBe('at-new');
  });

  it('takes the cross-process lock in the tokens folder it checked, not in the one the other user put in its place', async () => {
    const home = await sharedHome();
    const tokens = tokensDir(home);
    const fs = swappingFs(
      (call, file) => call === 'open' && file === tokens,
      () =>
        attacker(`
          fs.renameSync(${JSON.stringify(tokens)}, ${JSON.stringify(`${tokens}-moved`)});
          fs.mkdirSync(${JSON.stringify(tokens)}, { mode: 0o777 });
          fs.chmodSync(${JSON.stringify(tokens)}, 0o777);`),
    );
    const lockName = NAME.replace(/\.json$/, '.lock');
    const seen = await new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic', fs }).withLock(async () => ({
      theirs: await readdir(tokens),
      ours: await readdir(`${tokens}-moved`),
    }));
    expect(seen.theirs).toEqual([]);
    expect(seen.ours).toEqual([lockName]);
    expect(await readdir(`${tokens}-moved`)).toEqual([]);
  });

  it('refuses a tokens folder the other user swapped in before mcpo opened it, naming it', async () => {
    const home = await sharedHome();
    const tokens = tokensDir(home);
    await attacker(`fs.mkdirSync(${JSON.stringify(tokens)}, { mode: 0o700 });`);
    const store = new FileTokenStore({ mcpoHome: home, serverUrl: SERVER, clientIdentity: 'dynamic' });
    await expect(store.save(sampleState(SERVER))).rejects.toThrow(`Refusing to use ${tokens}, which is owned by uid ${user!.uid}`);
    await expect(store.load()).rejects.toThrow(`Refusing to use ${tokens}, which is owned by uid ${user!.uid}`);
  });
});
