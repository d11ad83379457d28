/**
 * The environment a stdio server is started with: a minimal safe set from mcpo's own environment
 * plus the entry's `env`, never the whole parent environment (which may hold cloud keys, tokens…).
 */
import { DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Environment } from './expand.js';

/**
 * Passed through when present on top of the SDK's set (HOME, LOGNAME, PATH, SHELL, TERM, USER on
 * POSIX): locale and time zone keep a server's output the same as in a terminal, TMPDIR its scratch space.
 */
export const EXTRA_INHERITED_ENV_VARS: readonly string[] = ['LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** Every variable a child inherits from the parent environment (when set there). */
export const INHERITED_ENV_VARS: readonly string[] = [...DEFAULT_INHERITED_ENV_VARS, ...EXTRA_INHERITED_ENV_VARS];

/**
 * `parentEnv`'s safe variables overlaid with `entryEnv`. The parent is passed in (not process.env) so
 * callers and tests decide what "the parent" is. Like the SDK, values starting with "()" are skipped:
 * they are exported shell functions, a known injection vector (Shellshock).
 */
export function childEnvironment(entryEnv: Readonly<Record<string, string>>, parentEnv: Environment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV_VARS) {
    const value = Object.hasOwn(parentEnv, name) ? parentEnv[name] : undefined;
    if (typeof value === 'string' && !value.startsWith('()')) env[name] = value;
  }
  return { ...env, ...entryEnv };
}
