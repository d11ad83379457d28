/** Shared helpers for token store tests: tmp mcpo homes, captured log lines, sample state. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '../../src/log/logger.js';
import type { StoredAuth } from '../../src/oauth/store/schema.js';

export async function makeTmpDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mcpo-oauth-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }), lines };
}

export const SECRET_ACCESS_TOKEN = 'at-very-secret-value';

export function sampleState(serverUrl = 'https://mcp.example/mcp', accessToken = SECRET_ACCESS_TOKEN): StoredAuth {
  return {
    version: 1,
    serverUrl,
    clientIdentity: 'dynamic',
    tokens: { access_token: accessToken, token_type: 'Bearer', refresh_token: 'rt-secret', expires_at: 1_700_000_000_000 },
  };
}
