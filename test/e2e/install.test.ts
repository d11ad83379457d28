/**
 * [slow] The package as users get it: `npm pack`, then `npm i -g` of the tarball into a temporary
 * prefix, then the installed `mcpo` binary. Catches a `files` list or `bin` entry that leaves out
 * something the CLI needs. npm takes the dependencies from its cache (`--prefer-offline`: it fetches
 * only what a fresh cache lacks), so after `npm ci` this runs without the network in most setups.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/spawnMcpo.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('installing mcpo globally from a clone [slow]', () => {
  it('npm pack + npm i -g ./mcpo-*.tgz gives an mcpo command that runs', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpo-install-'));
    // --ignore-scripts: the tests run on a fresh build (npm test builds first); packing need not build again.
    await run(NPM, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO });
    const [tarball] = (await readdir(dir)).filter((name) => /^mcpo-.*\.tgz$/.test(name));
    expect(tarball).toBeDefined();

    const prefix = join(dir, 'prefix');
    await run(NPM, ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball!)], { cwd: dir });
    const bin = process.platform === 'win32' ? join(prefix, 'mcpo.cmd') : join(prefix, 'bin', 'mcpo');
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };

    const printed = await run(bin, ['--version'], { cwd: dir });
    expect(printed.stdout.trim()).toBe(version);
    const help = await run(bin, ['--help'], { cwd: dir });
    expect(help.stdout).toContain('mcpo auth login <server>');
  });
});
