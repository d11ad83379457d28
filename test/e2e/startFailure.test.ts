/**
 * A stdio server that fails to start says why (issue #12), as a user of the CLI sees it: in /healthz and in
 * the log at the default level. test/mcp/startFailure.test.ts covers each cause through a Manager.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startMcpo, type McpoProcess } from '../helpers/spawnMcpo.js';

const running: McpoProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

it('names a missing command, a missing cwd and the error a crashing server printed, in /healthz and the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-start-failure-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        missing: { command: 'mcpo-e2e-no-such-command', args: ['x'] },
        nowhere: { command: 'node', args: ['-e', '0'], cwd: join(dir, 'gone') },
        crashing: { command: 'node', args: ['-e', "require('nope-not-here')"] },
      },
    }),
  );
  const mcpo = await startMcpo(['--config', config, '--port', '0']);
  running.push(mcpo);
  const errors = async () => {
    const health = (await (await fetch(`${mcpo.url}/healthz`)).json()) as { servers: Record<string, { error?: string }> };
    return Object.fromEntries(Object.entries(health.servers).map(([name, s]) => [name, s.error ?? '']));
  };
  await expect.poll(async () => Object.values(await errors()).every(Boolean), { timeout: 15_000 }).toBe(true);
  const shown = await errors();
  expect(shown.missing).toMatch(/^command `mcpo-e2e-no-such-command` not found on PATH \(PATH=/);
  expect(shown.nowhere).toContain(`cwd ${join(dir, 'gone')} does not exist`);
  expect(shown.crashing).toBe("the server process exited with code 1 while starting (stderr: Error: Cannot find module 'nope-not-here')");
  for (const [name, error] of Object.entries(shown)) {
    expect(mcpo.output()).toContain(`WARN  server state changed server=${name} state=failed error=${JSON.stringify(error)}`);
  }
});
