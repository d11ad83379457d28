/**
 * VS Code's `envFile` on a stdio entry: a .env file (the syntax of ./dotenv.ts) whose variables the
 * server gets, with the entry's `env` winning over it. A relative path is relative to the config file.
 * Read while the config is loaded, so a missing or broken file is reported with the other problems.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { isMcpoVariable } from './mcpoVariables.js';
import { parseDotenv } from './dotenv.js';
import type { ConfigProblem } from './problems.js';
import type { ServerEntryFile, ServerListKey } from './schema.js';

/** Reads a file's text; injected in tests. Default: readFileSync (UTF-8). */
export type ReadText = (file: string) => string;

export const readTextSync: ReadText = (file) => readFileSync(file, 'utf8');

const REASONS: Readonly<Record<string, string>> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory' };

/**
 * The entries with each `envFile` read into `env`. Problems name the entry's `envFile` and, for a bad
 * line, `file:line` (never a value).
 */
export function withEnvFiles(
  servers: Readonly<Record<string, ServerEntryFile>>,
  where: { key: ServerListKey; configFile: string; read?: ReadText },
  problems: ConfigProblem[],
): Record<string, ServerEntryFile> {
  const read = where.read ?? readTextSync;
  return Object.fromEntries(
    Object.entries(servers).map(([name, entry]) => {
      if (entry.envFile === undefined || entry.command === undefined) return [name, entry];
      const file = resolve(dirname(where.configFile), entry.envFile);
      try {
        // One .env is often shared by a whole container, mcpo's own settings included: those never reach a server.
        const fromFile = Object.fromEntries(Object.entries(parseDotenv(read(file), file)).filter(([key]) => !isMcpoVariable(key)));
        return [name, { ...entry, env: { ...fromFile, ...entry.env } }];
      } catch (error) {
        const reason =
          error instanceof ConfigError ? error.message : (REASONS[(error as NodeJS.ErrnoException).code ?? ''] ?? (error as Error).message);
        problems.push({ path: [where.key, name, 'envFile'], message: `cannot use ${file}: ${reason}` });
        return [name, entry];
      }
    }),
  );
}
