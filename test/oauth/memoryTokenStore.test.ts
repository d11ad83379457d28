import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../src/oauth/store/memoryTokenStore.js';
import { makeTmpDir, sampleState } from './storeHelpers.js';

describe('MemoryTokenStore', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let cwd: string;
  beforeEach(async () => {
    tmp = await makeTmpDir();
    cwd = process.cwd();
    process.chdir(tmp.dir);
  });
  afterEach(async () => {
    process.chdir(cwd);
    await tmp.cleanup();
  });

  it('saves, loads and clears without touching the disk', async () => {
    const s = new MemoryTokenStore();
    expect(s.location).toBeUndefined();
    expect(await s.load()).toBeUndefined();
    await s.save(sampleState());
    expect(await s.load()).toEqual(sampleState());
    await s.withLock(async () => s.save(sampleState('https://mcp.example/mcp', 'at-2')));
    await s.clear();
    expect(await s.load()).toBeUndefined();
    expect(await readdir(tmp.dir)).toEqual([]);
  });

  it('hands out copies, so changing a loaded or saved object does not change the store', async () => {
    const state = sampleState();
    const s = new MemoryTokenStore(state);
    state.tokens!.access_token = 'changed-after-construction';
    const loaded = await s.load();
    loaded!.tokens!.access_token = 'changed-after-load';
    expect((await s.load())?.tokens?.access_token).toBe(sampleState().tokens!.access_token);
  });

  it('rejects a state that does not match the schema', async () => {
    const s = new MemoryTokenStore();
    await expect(s.save({ version: 3 } as never)).rejects.toThrow();
    expect(await s.load()).toBeUndefined();
  });

  it('runs withLock callers one at a time', async () => {
    const s = new MemoryTokenStore();
    let inside = 0;
    let maxInside = 0;
    const critical = async (): Promise<void> => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setImmediate(r));
      inside--;
    };
    await Promise.all([s.withLock(critical), s.withLock(critical), s.withLock(critical)]);
    expect(maxInside).toBe(1);
  });
});
