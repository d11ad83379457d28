// Review: VS Code's envFile hands a shared .env's MCPO_* lines (the API key among them) to the child, the one route
// left after a3a0570 ("MCPO_* never reaches a server by any route"; --env-path's MCPO_* lines are filtered).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { childEnvironment } from '../../src/config/childEnv.js';
import { loadConfig } from '../../src/config/load.js';

it("an envFile's MCPO_* variables do not reach the stdio child", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpo-envfile-'));
  writeFileSync(join(dir, '.env'), 'GITHUB_TOKEN=ghp_x\nMCPO_API_KEY=top-secret-key\n'); // one .env for the container
  writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ servers: { gh: { type: 'stdio', command: 'node', args: ['s.js'], envFile: '.env' } } }));
  const config = await loadConfig(join(dir, 'mcp.json'), { env: {}, warn: () => {} });
  const entry = config.servers[0]!;
  if (entry.kind !== 'stdio') throw new Error('stdio expected');
  const env = childEnvironment(entry.env, { PATH: '/usr/bin', MCPO_API_KEY: 'top-secret-key' }, { inherit: entry.inheritEnv });
  expect(env.GITHUB_TOKEN).toBe('ghp_x');
  expect(env).not.toHaveProperty('MCPO_API_KEY');
});
