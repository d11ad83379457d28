/**
 * --api-key-file (issue #14, hardening: secrets never on argv): the key comes from a file, so it shows in
 * neither `ps` nor the environment of mcpo (and so of no child).
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRunOptions } from '../../src/cli/options.js';
import { parseCommandLine } from '../../src/cli/program.js';
import { captureLogger } from '../oauth/storeHelpers.js';

async function keyFile(contents: string, mode = 0o600): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'mcpo-key-')), 'key');
  await writeFile(file, contents);
  await chmod(file, mode);
  return file;
}

async function optionsFor(args: string[], env: Record<string, string> = {}) {
  const parsed = parseCommandLine(['node', 'mcpo', ...args, '--', 'uvx', 'mcp-server-time'], {
    env,
    version: '1.0.0',
    defaultMaxConcurrentCalls: 32,
    writeOut: () => {},
    writeErr: () => {},
  });
  if (parsed.kind !== 'serve') throw new Error(`expected to serve, got exit ${parsed.code}`);
  const { logger, lines } = captureLogger();
  const options = await buildRunOptions(parsed.flags, parsed.serverArgs, { env, logger, version: '1.0.0' });
  return { options, lines };
}

describe('--api-key-file', () => {
  it('reads the key, less one trailing newline, without a warning for a 0600 file', async () => {
    const { options, lines } = await optionsFor(['--api-key-file', await keyFile('s3cret-key\n')]);
    expect(options.apiKey).toBe('s3cret-key');
    expect(lines).toEqual([]);
  });

  it('is read from MCPO_API_KEY_FILE too', async () => {
    const { options } = await optionsFor([], { MCPO_API_KEY_FILE: await keyFile('from-env-file\r\n') });
    expect(options.apiKey).toBe('from-env-file');
  });

  it('warns, naming the file and its mode, when others can read it (a mounted container secret often is)', async () => {
    const file = await keyFile('shared-key', 0o644);
    const { options, lines } = await optionsFor(['--api-key-file', file]);
    expect(options.apiKey).toBe('shared-key');
    expect(lines.join('\n')).toContain(`${file} can be read by other users (mode 0644)`);
    expect(lines.join('\n')).not.toContain('shared-key');
  });

  it('refuses an empty or multi-line file, a missing one, and --api-key given as well', async () => {
    await expect(optionsFor(['--api-key-file', await keyFile('\n')])).rejects.toThrow(/is empty/);
    await expect(optionsFor(['--api-key-file', await keyFile('one\ntwo\n')])).rejects.toThrow(/more than one line/);
    await expect(optionsFor(['--api-key-file', '/nonexistent/key'])).rejects.toThrow('--api-key-file: cannot read /nonexistent/key: no such file');
    await expect(optionsFor(['--api-key', 'k', '--api-key-file', await keyFile('k2')])).rejects.toThrow('give either --api-key or --api-key-file, not both');
  });
});
