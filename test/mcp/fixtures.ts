import { fileURLToPath } from 'node:url';
import type { StdioEntry } from '../../src/config/types.js';
import { Manager, type ManagerOptions } from '../../src/mcp/manager.js';
import { capturingLogger } from '../helpers/logs.js';

export const DEMO_SERVER = fileURLToPath(new URL('../../examples/stdio-demo/server.mjs', import.meta.url));

export function demoEntry(overrides: Partial<StdioEntry> = {}): StdioEntry {
  return { kind: 'stdio', name: 'demo', command: process.execPath, args: [DEMO_SERVER], env: {}, inheritEnv: false, disabledTools: [], ...overrides };
}

/**
 * A real Manager with a capturing logger, registered in `started` so the test file can stop it after
 * each test. `defaults` are the file's usual options (its backoff, say); `options` one test's own.
 */
export function testManager(started: Manager[], defaults: Partial<ManagerOptions>, options: Partial<ManagerOptions> = {}) {
  const logger = capturingLogger();
  const m = new Manager({ logger, parentEnv: process.env, clientInfo: { name: 'mcpo-test', version: '0' }, ...defaults, ...options });
  started.push(m);
  return { m, logger };
}
