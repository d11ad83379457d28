/**
 * MCPO_* environment variables as a second source of every option (for containers, and so a key need
 * not appear in `ps`): `--api-key` ← MCPO_API_KEY, `--no-browser` ← MCPO_NO_BROWSER. A value given on
 * the command line wins; an empty variable counts as unset.
 */
import { Command, CommanderError, type Option } from 'commander';
import { UsageError } from '../errors.js';
import type { Environment } from '../config/expand.js';

/** Options without a variable: -e adds to the environment itself, --version/--help are actions, --type is --server-type. */
const WITHOUT_VARIABLE = new Set(['--env', '--version', '--help', '--type']);

/** Options that are another spelling of the key's option: set on the command line, they keep its variable out. */
const SPELLINGS: Readonly<Record<string, string>> = { serverType: 'type', openapiVersion: 'version' };

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** `--cors-allow-origins` → MCPO_CORS_ALLOW_ORIGINS; undefined for an option without one. */
export function environmentVariableOf(option: Option): string | undefined {
  if (!option.long || WITHOUT_VARIABLE.has(option.long)) return undefined;
  return `MCPO_${option.long.slice(2).toUpperCase().replace(/-/g, '_')}`;
}

function parseBoolean(name: string, value: string): boolean {
  const folded = value.trim().toLowerCase();
  if (TRUE.has(folded)) return true;
  if (FALSE.has(folded)) return false;
  throw new UsageError(`${name} must be true or false (or 1/0, yes/no, on/off), got "${value}"`);
}

/** Sets every option not given on the command line from its MCPO_* variable (after `cmd.parse`). Throws UsageError naming the variable. */
export function applyEnvironmentFlags(cmd: Command, env: Environment): void {
  const fromCommandLine = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  for (const option of cmd.options) {
    const name = environmentVariableOf(option);
    const key = option.attributeName();
    if (!name || fromCommandLine(key)) continue;
    const spelling = SPELLINGS[key];
    if (spelling !== undefined && fromCommandLine(spelling)) continue;
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value === undefined || value === '') continue;
    cmd.setOptionValueWithSource(key, valueOf(option, name, value), 'env');
  }
}

function valueOf(option: Option, name: string, value: string): unknown {
  if (!option.required && !option.optional) {
    const on = parseBoolean(name, value);
    return option.negate ? !on : on;
  }
  if (!option.parseArg) return value;
  try {
    // The option's own parser: splits comma lists, checks choices.
    return option.parseArg(value, undefined as unknown as never);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    throw new UsageError(`${name} "${value}": ${error.message.replace(/^error: /, '')}`);
  }
}
