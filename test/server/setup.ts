/**
 * Shared scaffolding for the server tests: a real registry of in-process fixture servers, the app on
 * top of it, and a logger whose lines the test can read.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createLogger, type Logger, type LogLevel } from '../../src/log/logger.js';
import { createApp, type AppOptions, type McpoApp } from '../../src/server/app.js';
import { createFixtureServer, createInProcessRegistry, type InProcessRegistry } from '../helpers/inProcessRegistry.js';

export interface TestApp extends McpoApp {
  registry: InProcessRegistry;
  logs: string[];
  logger: Logger;
  dispose(): Promise<void>;
}

export interface TestAppOptions extends Partial<Omit<AppOptions, 'registry' | 'logger'>> {
  servers?: Record<string, McpServer>;
  logLevel?: LogLevel;
}

export const TEST_INFO = { title: 'mcpo test', version: '9.9.9', description: 'Tools for tests' };

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const { servers, logLevel, ...appOptions } = options;
  const registry = await createInProcessRegistry(servers ?? { alpha: createFixtureServer(), beta: createFixtureServer() });
  const logs: string[] = [];
  const logger = createLogger({ level: logLevel ?? 'info', write: (line) => logs.push(line) });
  const created = createApp({ registry, logger, info: TEST_INFO, ...appOptions });
  return {
    ...created,
    registry,
    logs,
    logger,
    async dispose() {
      created.close();
      await registry.close();
    },
  };
}

/** POST with a JSON body (or raw string / no body). */
export function post(app: TestApp['app'], path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method: 'POST', headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  return app.request(path, init);
}
