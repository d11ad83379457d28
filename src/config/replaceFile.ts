/**
 * Replacing a config file's text atomically (`mcpo users add`): a temp file in the same folder with the file's own
 * permissions, written and synced, then renamed over it, so mcpo's hot reload and anyone reading it see the old text
 * or the new one, never half of it. A symbolic link is followed (the link stays a link, its target changes). A file
 * that changed since it was read is left alone: another edit in between would otherwise be lost.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

/** Writes `text` over `file`, whose content must still be `expected`. Throws ConfigError naming the file. */
export async function replaceConfigFile(file: string, text: string, expected: string): Promise<void> {
  const target = await realpath(file);
  const mode = (await stat(target)).mode & 0o7777;
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      // The umask may have taken bits off the mode open() was given.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if ((await readFile(target, 'utf8')) !== expected) {
      throw new ConfigError('changed while mcpo was writing it: nothing was written; run the command again', { file });
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const folder = await open(dirname(target), 'r').catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
}
