/** Log level names: mcpo's own and the Python mcpo's (Python logging's), in any case. */
import { UsageError } from '../errors.js';
import type { LogLevel } from '../log/logger.js';

/**
 * Each accepted name → mcpo's level. CRITICAL/FATAL have no level of their own here: errors are the
 * nearest that still shows them. NOTSET (Python: log everything) is debug.
 */
export const LOG_LEVEL_NAMES: Readonly<Record<string, LogLevel>> = {
  debug: 'debug',
  notset: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  fatal: 'error',
  silent: 'silent',
};

/** `value` → LogLevel; a UsageError naming `where` (the flag or variable) for an unknown name. */
export function parseLogLevel(value: string, where: string): LogLevel {
  const folded = value.trim().toLowerCase();
  if (Object.hasOwn(LOG_LEVEL_NAMES, folded)) return LOG_LEVEL_NAMES[folded] as LogLevel;
  throw new UsageError(`${where} "${value}" is not a log level: use debug, info, warning, error, critical or silent`);
}
