/**
 * Issue #14 (local attackers): --api-key-file took a key file another user could write (the file itself, or
 * the folder holding it), so that user could choose mcpo's API key and call every tool. Each case shows first,
 * as a real second Unix user, that the attacker can indeed change the key, then that mcpo refuses the file.
 */
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readApiKeyFile } from '../../src/cli/apiKeyFile.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { NOT_ROOT, otherUser, runNodeAs } from '../helpers/otherUser.js';

const FLAG = '--api-key-file';
const user = otherUser();

/** A fresh folder (0755, ours) to put key files in, and a 0600 key file in it. */
async function folderWithKey(mode = 0o755, key = 'operator-key'): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mcpo-keyfile-'));
  await chmod(dir, mode);
  const file = path.join(dir, 'key');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { dir, file };
}

const read = (file: string) => readApiKeyFile(file, FLAG, silentLogger);

describe('--api-key-file refuses a key someone else could have chosen', () => {
  it('reads a 0600 key file of this user in a private folder, and a 0644 one with only a warning', async () => {
    const { file } = await folderWithKey();
    expect(await read(file)).toBe('operator-key');
    await chmod(file, 0o644);
    expect(await read(file)).toBe('operator-key');
  });

  it('refuses a key file writable by its group or by others, naming the file and the fix', async () => {
    for (const mode of [0o620, 0o602, 0o666]) {
      const { file } = await folderWithKey();
      await chmod(file, mode);
      const error = await read(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`${FLAG}: ${file} is writable by`);
      expect((error as Error).message).toContain(`chmod go-w ${file}`);
    }
  });

  it('refuses a key file in a folder others may write (not sticky), naming the folder; a sticky one like /tmp is fine', async () => {
    const { dir, file } = await folderWithKey(0o777);
    await expect(read(file)).rejects.toThrow(`the folder ${dir} is writable by others`);
    await expect(read(file)).rejects.toThrow(`chmod go-w ${dir}`);
    await chmod(dir, 0o1777);
    expect(await read(file)).toBe('operator-key');
  });

  it('reads a key through a symbolic link of its own (as Kubernetes mounts secrets), checking where it leads', async () => {
    const { dir } = await folderWithKey();
    const data = path.join(dir, '..data');
    await mkdir(data, { mode: 0o755 });
    await writeFile(path.join(data, 'real-key'), 'linked-key\n', { mode: 0o600 });
    await symlink('..data', path.join(dir, 'link-dir'));
    await symlink('link-dir/real-key', path.join(dir, 'api-key'));
    expect(await read(path.join(dir, 'api-key'))).toBe('linked-key');
    await chmod(data, 0o777);
    await expect(read(path.join(dir, 'api-key'))).rejects.toThrow(`the folder ${data} is writable by others`);
  });

  it('refuses a FIFO at once, naming it, instead of hanging in open() until someone writes to it', async () => {
    const { dir } = await folderWithKey(0o700);
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    // Nobody writes to it: a blocking open would never return (nor would mcpo start).
    const outcome = await Promise.race([read(fifo).catch((e: unknown) => e), new Promise((resolve) => setTimeout(resolve, 3_000, 'still opening'))]);
    expect(outcome).toBeInstanceOf(ConfigError);
    expect((outcome as Error).message).toBe(`${FLAG}: ${fifo} is a pipe (FIFO), not a regular file; put the secret in a file (or in its MCPO_ variable)`);
  });

  it('refuses a folder and a device, naming them', async () => {
    const { dir } = await folderWithKey();
    await expect(read(dir)).rejects.toThrow(`${FLAG}: ${dir} is a folder, not a regular file`);
    await expect(read('/dev/zero')).rejects.toThrow(`${FLAG}: /dev/zero is a device, not a regular file`);
  });
});

describe.skipIf(!user)(`--api-key-file against another local user (${user ? user.name : NOT_ROOT})`, () => {
  it('refuses a key file the other user owns', async () => {
    const { file } = await folderWithKey();
    await chown(file, user!.uid, user!.gid);
    await expect(read(file)).rejects.toThrow(`${FLAG}: ${file} is owned by uid ${user!.uid}, not by this user (uid 0) or root`);
  });

  it('refuses a key file the other user may write through its group, after they rewrote the key', async () => {
    const { file } = await folderWithKey();
    await chown(file, 0, user!.gid);
    await chmod(file, 0o660);
    const write = await runNodeAs(user!, `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(file)}, 'attacker-key\\n');`);
    expect(write.stderr).toBe('');
    await expect(read(file)).rejects.toThrow(`${file} is writable by its group (mode 0660)`);
  });

  it('refuses a key file in a folder the other user may write, after they swapped the key file for their own', async () => {
    const { dir, file } = await folderWithKey(0o777);
    const swap = await runNodeAs(
      user!,
      `import { renameSync, writeFileSync, chmodSync } from 'node:fs';
       renameSync(${JSON.stringify(file)}, ${JSON.stringify(`${file}.old`)});
       writeFileSync(${JSON.stringify(file)}, 'attacker-key\\n'); chmodSync(${JSON.stringify(file)}, 0o644);`,
    );
    expect(swap.stderr).toBe('');
    // Their file is refused for its owner; ours back in place, for the folder.
    await expect(read(file)).rejects.toThrow(`is owned by uid ${user!.uid}`);
    execFileSync('mv', ['-f', `${file}.old`, file]);
    await expect(read(file)).rejects.toThrow(`the folder ${dir} is writable by others (mode 0777)`);
  });

  it('refuses a symbolic link the other user planted in a sticky folder, even to a file of root', async () => {
    const sticky = await mkdtemp(path.join(tmpdir(), 'mcpo-sticky-'));
    await chmod(sticky, 0o1777);
    const { file: rootsFile } = await folderWithKey(0o755, 'a-key-the-attacker-knows');
    const link = path.join(sticky, 'key');
    const plant = await runNodeAs(user!, `import { symlinkSync } from 'node:fs'; symlinkSync(${JSON.stringify(rootsFile)}, ${JSON.stringify(link)});`);
    expect(plant.stderr).toBe('');
    await expect(read(link)).rejects.toThrow(`the symbolic link ${link} is owned by uid ${user!.uid}`);
  });

  it('refuses at once a FIFO the other user planted where the key file was to be, in a sticky folder (mcpo hung there)', async () => {
    const sticky = await mkdtemp(path.join(tmpdir(), 'mcpo-sticky-'));
    await chmod(sticky, 0o1777);
    const planted = path.join(sticky, 'key');
    const plant = await runNodeAs(user!, `import { execFileSync } from 'node:child_process'; execFileSync('mkfifo', ['-m', '666', ${JSON.stringify(planted)}]);`);
    expect(plant.stderr).toBe('');
    const outcome = await Promise.race([read(planted).catch((e: unknown) => e), new Promise((resolve) => setTimeout(resolve, 3_000, 'still opening'))]);
    expect(outcome).toBeInstanceOf(ConfigError);
    expect((outcome as Error).message).toContain(`${planted} is a pipe (FIFO), not a regular file`);
  });
});
