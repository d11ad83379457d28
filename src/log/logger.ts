/**
 * A small leveled logger writing one line per event to an injected sink (stderr by default).
 * Fields are rendered as key=value; values of keys that look secret are redacted, always.
 */
import { isSecretKey } from './secretValues.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Every level, most verbose first. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  isEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  /** Default 'info'. */
  level?: LogLevel;
  /** Where lines go. Default: process.stderr. */
  write?: (line: string) => void;
  /** Clock for timestamps. Default: () => new Date(). */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };


/** What a secret-looking field is printed as. */
export const REDACTED = '[redacted]';

/** Deep copy of `value` with every secret-looking key's value replaced by REDACTED. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** A logger writing lines at or above `options.level` (default info) to `options.write` (default stderr). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  const threshold = RANK[level];

  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (RANK[lvl] < threshold) return;
    let line = `${now().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${message}`;
    if (fields) {
      const safe = redact(fields) as LogFields;
      for (const [k, v] of Object.entries(safe)) {
        if (v === undefined) continue;
        line += ` ${k}=${renderValue(v)}`;
      }
    }
    write(line);
  };

  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    isEnabled: (l) => RANK[l] >= threshold && l !== 'silent',
  };
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = createLogger({ level: 'silent', write: () => {} });
