import { fileURLToPath } from 'node:url';
import type { StdioEntry } from '../../src/config/types.js';

export const DEMO_SERVER = fileURLToPath(new URL('../../examples/stdio-demo/server.mjs', import.meta.url));

export function demoEntry(overrides: Partial<StdioEntry> = {}): StdioEntry {
  return { kind: 'stdio', name: 'demo', command: process.execPath, args: [DEMO_SERVER], env: {}, disabledTools: [], ...overrides };
}
