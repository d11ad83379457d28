/** A real logger whose lines are kept for assertions. */
import { createLogger, type Logger, type LogLevel } from '../../src/log/logger.js';

export function capturingLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
