/**
 * Token keys at start-up (issue #18, encryption at rest): MCPO_TOKEN_KEY and --token-key-file / MCPO_TOKEN_KEY_FILE
 * are parsed once by buildRunOptions; a bad one stops mcpo with a message naming where it was written, never the key.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRunOptions } from '../../src/cli/options.js';
import { parseCommandLine } from '../../src/cli/program.js';
import { loadTokenKeys } from '../../src/cli/tokenKeys.js';
import { captureLogger } from '../oauth/storeHelpers.js';

const key = () => randomBytes(32).toString('base64');

async function keyFile(contents: string, mode = 0o600): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'mcpo-token-key-')), 'keys');
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

describe('token keys at start-up', () => {
  it('without a key, tokens stay plaintext; with MCPO_TOKEN_KEY they are sealed with the first key, and the log names only its id', async () => {
    expect((await optionsFor([])).options.tokenCodec).toBeUndefined(); // no key: the stores' default codec, plaintext (and no codec module loaded)
    const [first, second] = [key(), key()];
    const { options, lines } = await optionsFor([], { MCPO_TOKEN_KEY: `${first}, ${second}` });
    expect(options.tokenCodec?.keyIds).toHaveLength(2);
    expect(lines.join('\n')).toContain(`token files are encrypted at rest keyId=${options.tokenCodec!.keyIds[0]} keys=2`);
    expect(lines.join('\n')).not.toContain(first);
  });

  it('stops at a bad MCPO_TOKEN_KEY, naming the variable and the position of the bad key', async () => {
    const bad = randomBytes(31).toString('base64');
    const attempt = optionsFor([], { MCPO_TOKEN_KEY: `${key()},${key()},${bad}` });
    await expect(attempt).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('MCPO_TOKEN_KEY: key 3 of 3 is 31 bytes, not 32') });
    await expect(attempt).rejects.not.toMatchObject({ message: expect.stringContaining(bad) });
    await expect(optionsFor([], { MCPO_TOKEN_KEY: 'hunter2' })).rejects.toThrow('MCPO_TOKEN_KEY: the key is 5 bytes, not 32');
  });

  it('reads a key file named by --token-key-file or MCPO_TOKEN_KEY_FILE, one key per line, naming a bad line', async () => {
    const file = await keyFile(`# current\n${key()}\n${randomBytes(32).toString('hex')}\n`);
    expect((await optionsFor(['--token-key-file', file])).options.tokenCodec?.keyIds).toHaveLength(2);
    expect((await optionsFor([], { MCPO_TOKEN_KEY_FILE: file })).options.tokenCodec?.keyIds).toHaveLength(2);
    const bad = await keyFile(`${key()}\nnot-a-key\n`);
    await expect(optionsFor([], { MCPO_TOKEN_KEY_FILE: bad })).rejects.toThrow(`MCPO_TOKEN_KEY_FILE ${bad}: line 2 is 6 bytes, not 32`);
  });

  it('refuses a key file others may read or write, or one that is not a regular file', async () => {
    const readable = await keyFile(`${key()}\n`, 0o640);
    await expect(optionsFor(['--token-key-file', readable])).rejects.toThrow(`--token-key-file: ${readable} can be read by other users (mode 0640)`);
    const writable = await keyFile(`${key()}\n`, 0o620);
    await expect(optionsFor(['--token-key-file', writable])).rejects.toThrow('is writable by its group');
    const folder = await mkdtemp(path.join(tmpdir(), 'mcpo-token-key-dir-'));
    await mkdir(path.join(folder, 'keys'));
    await expect(loadTokenKeys({ env: {}, keyFile: path.join(folder, 'keys') })).rejects.toThrow('is a folder, not a regular file');
    await expect(optionsFor(['--token-key-file', path.join(folder, 'missing')])).rejects.toThrow('no such file');
  });

  it('refuses MCPO_TOKEN_KEY and a key file together', async () => {
    const file = await keyFile(`${key()}\n`);
    await expect(optionsFor(['--token-key-file', file], { MCPO_TOKEN_KEY: key() })).rejects.toMatchObject({
      code: 'USAGE',
      message: 'give either MCPO_TOKEN_KEY or --token-key-file, not both',
    });
  });
});
