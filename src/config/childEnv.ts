/**
 * The environment a stdio server is started with. By default (`inheritEnv`, as the Python mcpo, Claude
 * Code and VS Code do it) mcpo's whole environment with the entry's `env` on top; with `"inheritEnv":
 * false` or `--isolated-env` only a minimal safe set plus `env`. Either way mcpo's own `MCPO_*`
 * variables (the API key among them) and exported shell functions are never passed on.
 */
import { DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Environment } from './expand.js';
import { isMcpoVariable } from './mcpoVariables.js';

/**
 * Passed through when present on top of the SDK's set (HOME, LOGNAME, PATH, SHELL, TERM, USER on
 * POSIX): locale and time zone keep a server's output the same as in a terminal, TMPDIR its scratch space.
 */
export const EXTRA_INHERITED_ENV_VARS: readonly string[] = ['LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** Every variable an isolated child inherits from the parent environment (when set there). */
export const INHERITED_ENV_VARS: readonly string[] = [...DEFAULT_INHERITED_ENV_VARS, ...EXTRA_INHERITED_ENV_VARS];

/** Whether a parent variable may be handed to a child at all. */
function passable(name: string, value: string | undefined): value is string {
  // Values starting with "()" are exported shell functions, a known injection vector (Shellshock); the SDK skips them too.
  return typeof value === 'string' && !value.startsWith('()') && !isMcpoVariable(name);
}

export interface ChildEnvironmentOptions {
  /** true: every passable parent variable; false: only INHERITED_ENV_VARS. */
  inherit: boolean;
}

/**
 * `parentEnv`'s variables (all of them or the safe set, see ChildEnvironmentOptions) overlaid with
 * `entryEnv`, which is passed as written (a `MCPO_*` key there was put on purpose). The parent is passed
 * in (not process.env) so callers and tests decide what "the parent" is.
 */
export function childEnvironment(
  entryEnv: Readonly<Record<string, string>>,
  parentEnv: Environment,
  options: ChildEnvironmentOptions,
): Record<string, string> {
  const names = options.inherit ? Object.keys(parentEnv) : INHERITED_ENV_VARS.filter((name) => Object.hasOwn(parentEnv, name));
  // A Map, so a parent variable named "__proto__" is copied like any other.
  const env = new Map<string, string>();
  for (const name of names) {
    const value = parentEnv[name];
    if (passable(name, value)) env.set(name, value);
  }
  for (const [name, value] of Object.entries(entryEnv)) env.set(name, value);
  return Object.fromEntries(env);
}
