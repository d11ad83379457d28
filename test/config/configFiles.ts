/** Test helpers: real config files in a temporary directory, and a collector for warnings. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import type { McpoConfig } from '../../src/config/types.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface TempDir {
  path: string;
  /** Writes `content` (an object is written as pretty JSON) and returns the file's path. */
  write(name: string, content: string | object): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), 'mcpo-config-'));
  return {
    path,
    async write(name, content) {
      const file = join(path, name);
      await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Loads a config file collecting warnings instead of printing them. */
export async function load(file: string, env: Record<string, string> = {}): Promise<{ config: McpoConfig; warnings: string[] }> {
  const warnings: string[] = [];
  const config = await loadConfig(file, { env, warn: (message) => warnings.push(message) });
  return { config, warnings };
}

/** Runs `fn`, which must throw; returns what it threw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, but nothing was thrown');
}
