/**
 * A stdio server that fails to start says why (issue #12): the reason a user can act on, in the server's
 * status (/healthz) and in the log at warn level — real processes, real file system.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../src/mcp/manager.js';
import { demoEntry, testManager } from './fixtures.js';

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpo-start-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts one stdio entry and resolves with its status error once it has one, and the log lines so far. */
async function failure(entry: Parameters<typeof demoEntry>[0], expected: string | RegExp) {
  const { m, logger } = testManager(managers, { backoff: { initialMs: 60_000, maxMs: 60_000 } });
  m.start([demoEntry({ name: 'broken', ...entry })]);
  await m.settled();
  const error = m.get('broken')!.status().error ?? '';
  expect(error).toMatch(expected);
  // The same words in the log at warn level (mcpo logs at info by default).
  const logged = logger.lines.filter((line) => / WARN /i.test(line) || line.includes('level=warn'));
  expect(logged.join('\n')).toMatch(expected);
  return { error, lines: logger.lines };
}

describe('a stdio server that cannot be started', () => {
  it('names a command missing from PATH (not "spawn … ENOENT" alone)', async () => {
    const { error } = await failure({ command: 'mcpo-test-no-such-command', args: [], env: { PATH: `${dir}:/usr/bin` } }, 'command `mcpo-test-no-such-command` not found on PATH');
    expect(error).toContain(`PATH=${dir}:/usr/bin`);
  });

  it('names a cwd that does not exist, though Node says the command does not exist', async () => {
    const missing = join(dir, 'no-such-dir');
    const { error } = await failure({ cwd: missing }, `cwd ${missing} does not exist`);
    expect(error).not.toMatch(/not found on PATH/);
  });

  it('names a file that is not executable (EACCES)', async () => {
    const script = join(dir, 'server.sh');
    await writeFile(script, '#!/bin/sh\nexit 0\n');
    await chmod(script, 0o644);
    await failure({ command: script, args: [] }, `\`${script}\` is not executable`);
  });

  it('names a script whose #! interpreter is missing', async () => {
    const script = join(dir, 'orphan.sh');
    await writeFile(script, '#!/no/such/interpreter\n');
    await chmod(script, 0o755);
    await failure({ command: script, args: [] }, `\`${script}\` exists, but the interpreter on its #! line was not found`);
  });

  it('names a directory given as the command', async () => {
    await failure({ command: dir, args: [] }, `\`${dir}\` is a directory, not a program`);
  });
});

describe('a stdio server that exits while starting', () => {
  it('shows the line of a Node crash that explains it, not the last lines of the stack dump', async () => {
    const { error } = await failure({ args: ['-e', "require('nope-not-here')"] }, "Error: Cannot find module 'nope-not-here'");
    expect(error).toMatch(/^the server process exited with code 1 while starting \(stderr: /);
    expect(error).not.toMatch(/\bat (Module|node:)/);
    expect(error).not.toContain('Node.js v');
  });

  it("shows a Python traceback's last line", async () => {
    const script = join(dir, 'server.py');
    await writeFile(script, 'import json\nimport mcpo_test_missing_module\n');
    const { error } = await failure({ command: 'python3', args: [script] }, "ModuleNotFoundError: No module named 'mcpo_test_missing_module'");
    expect(error).not.toContain('Traceback');
    expect(error).not.toContain('File "');
  });

  it('shows an error the server raises in its own code, not the source line that raised it', async () => {
    const script = join(dir, 'raises.py');
    await writeFile(script, 'def connect():\n    raise RuntimeError("database at db:5432 refused the connection")\n\nconnect()\n');
    const { error } = await failure({ command: 'python3', args: [script] }, /\(stderr: RuntimeError: database at db:5432 refused the connection\)"?$/m);
    expect(error).not.toContain('raise ');
  });
});
