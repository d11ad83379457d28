/**
 * Every error mcpo raises on purpose is an McpoError with a stable `code`. Callers branch on `code` (or
 * `instanceof`), never on message text. The HTTP edge maps codes to statuses (STATUS_BY_CODE) and renders one
 * JSON error envelope (server/answer.ts):
 *
 *   { "error": { "code": "TOOL_NOT_FOUND", "message": "...", "details": { ... } } }
 */
import { ERROR_TEXT_MAX_CHARS, truncateText } from './log/redactText.js';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'HOST_NOT_ALLOWED'
  | 'FORBIDDEN'
  | 'SERVER_NOT_FOUND'
  | 'TOOL_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'VALIDATION_FAILED'
  | 'INVALID_ARGUMENTS'
  | 'TOOL_ERROR'
  | 'UPSTREAM_ERROR'
  | 'SERVER_UNAVAILABLE'
  | 'NEEDS_AUTHORIZATION'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'OAUTH_ERROR'
  | 'INTERNAL';

/** HTTP status per code, read only where an error is answered over HTTP (server/answer.ts) or documented; the README's table. */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  CONFIG_INVALID: 500,
  USAGE: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  HOST_NOT_ALLOWED: 403,
  FORBIDDEN: 403,
  SERVER_NOT_FOUND: 404,
  TOOL_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  INVALID_ARGUMENTS: 422,
  TOOL_ERROR: 424,
  UPSTREAM_ERROR: 502,
  SERVER_UNAVAILABLE: 503,
  NEEDS_AUTHORIZATION: 503,
  TIMEOUT: 504,
  CANCELLED: 499,
  OAUTH_ERROR: 502,
  INTERNAL: 500,
};

/** Optional parts of an McpoError. */
export interface McpoErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Extra response headers (e.g. Retry-After) when rendered over HTTP. */
  headers?: Record<string, string>;
}

/** An error raised on purpose: a stable `code`, optional details and response headers (its HTTP status: answer.ts). */
export class McpoError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: McpoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  /** The JSON error envelope body; the message cut to ERROR_TEXT_MAX_CHARS (it may quote what a server said). */
  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: truncateText(this.message, ERROR_TEXT_MAX_CHARS),
        // Left out of the JSON text when undefined.
        details: this.details,
      },
    };
  }
}

/**
 * NEEDS_AUTHORIZATION for the caller of a per-user server: answered 401, since what is missing is the caller's own
 * connection (they fix it by opening `details.authorizationUrl`), not the server's, which stays up for everyone else.
 */
export class CallerNeedsAuthorizationError extends McpoError {
  static readonly STATUS = 401;
  constructor(message: string, options: McpoErrorOptions = {}) {
    super('NEEDS_AUTHORIZATION', message, options);
  }
}

/** Bad config file or flags: the CLI exits 2. `where` names the file and JSON path. */
export class ConfigError extends McpoError {
  readonly file: string | undefined;
  readonly path: string | undefined;
  constructor(message: string, where: { file?: string; path?: string } = {}, cause?: unknown) {
    const prefix = [where.file, where.path].filter(Boolean).join(': ');
    super('CONFIG_INVALID', prefix ? `${prefix}: ${message}` : message, { cause });
    this.file = where.file;
    this.path = where.path;
  }
}

/** Bad command-line usage: the CLI exits 2. */
export class UsageError extends McpoError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** One problem found while validating a request body against a tool's input schema. */
export interface ValidationProblem {
  /** JSON Pointer (RFC 6901) into the request body; "" is the body itself. */
  path: string;
  message: string;
}

/** 422 VALIDATION_FAILED with every problem found in the request body. */
export class ValidationError extends McpoError {
  readonly problems: ValidationProblem[];
  constructor(problems: ValidationProblem[], message = 'Request body does not match the tool input schema') {
    super('VALIDATION_FAILED', message, { details: { problems } });
    this.problems = problems;
  }
}
