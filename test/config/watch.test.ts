/**
 * The hot-reload watch on real files: in-place edits, atomic renames, swapped symlinks (as Kubernetes
 * ConfigMap volumes update) and unrelated files.
 */
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchConfigFile } from '../../src/config/watch.js';

const DEBOUNCE_MS = 20;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpo-watch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function watchCounting(file: string): { changes: () => number } {
  let changes = 0;
  const watcher = watchConfigFile(file, { onChange: () => changes++, debounceMs: DEBOUNCE_MS });
  cleanups.push(() => watcher.close());
  return { changes: () => changes };
}

/** Long enough for fs events and the debounce to have run, so "nothing happened" means something. */
const quiet = () => new Promise((r) => setTimeout(r, DEBOUNCE_MS * 10));

describe('watching the config file', () => {
  it('reports an edit in place once, however many writes the editor makes', async () => {
    const dir = await folder();
    const file = join(dir, 'config.json');
    await writeFile(file, '{}');
    const w = watchCounting(file);
    await writeFile(file, '{"mcpServers": {}}');
    await writeFile(file, '{"mcpServers": {"a": {}}}');
    await expect.poll(w.changes).toBe(1);
    await quiet();
    expect(w.changes()).toBe(1);
  });

  it('reports a new file renamed over the old one', async () => {
    const dir = await folder();
    const file = join(dir, 'config.json');
    await writeFile(file, '{}');
    const w = watchCounting(file);
    await writeFile(join(dir, 'config.json.tmp'), '{"new": true}');
    await rename(join(dir, 'config.json.tmp'), file);
    await expect.poll(w.changes).toBe(1);
  });

  it('reports a symlink swap that no event names the file for, as a ConfigMap update does', async () => {
    // Regression: only events naming config.json counted, so a swapped ..data link never reloaded.
    const dir = await folder();
    await mkdir(join(dir, 'v1'));
    await mkdir(join(dir, 'v2'));
    await writeFile(join(dir, 'v1', 'config.json'), '{"v": 1}');
    await writeFile(join(dir, 'v2', 'config.json'), '{"v": 2}');
    await symlink('v1', join(dir, '..data'));
    await symlink(join('..data', 'config.json'), join(dir, 'config.json'));
    const w = watchCounting(join(dir, 'config.json'));
    await symlink('v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await expect.poll(w.changes).toBe(1);
  });

  it('ignores other files changing in the same folder', async () => {
    const dir = await folder();
    const file = join(dir, 'config.json');
    await writeFile(file, '{}');
    const w = watchCounting(file);
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await writeFile(join(dir, '.config.json.swp'), 'x');
    await quiet();
    expect(w.changes()).toBe(0);
  });
});
