/**
 * The error envelope every route answers with, as OpenAPI components: one `Error` schema and one shared
 * response per status, referenced (never copied) by every operation. Statuses and codes come from
 * STATUS_BY_CODE, so the document cannot drift from what the server sends.
 */
import { STATUS_BY_CODE, type ErrorCode } from '../errors.js';

export const ERROR_SCHEMA = 'Error';
export const VALIDATION_PROBLEM_SCHEMA = 'ValidationProblem';
export const BEARER_SCHEME = 'bearerAuth';

/** Codes an HTTP client never receives: CLI-only ones, and CANCELLED (the client already went away). */
export const CODES_NOT_SENT_OVER_HTTP: ReadonlySet<ErrorCode> = new Set(['USAGE', 'CONFIG_INVALID', 'CANCELLED']);

/**
 * Codes a documented operation (POST to a tool) never answers a legitimate client with: those above,
 * METHOD_NOT_ALLOWED (only other methods on a tool's path get it), HOST_NOT_ALLOWED (only requests
 * addressed to a host mcpo does not serve, i.e. DNS-rebinding attempts) and FORBIDDEN (the connections page only).
 */
export const CODES_NOT_FROM_OPERATIONS: ReadonlySet<ErrorCode> = new Set([
  ...CODES_NOT_SENT_OVER_HTTP,
  'METHOD_NOT_ALLOWED',
  'HOST_NOT_ALLOWED',
  'FORBIDDEN',
]);

interface ErrorResponseSpec {
  readonly name: string;
  readonly description: string;
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, unknown>;
  /** Only documented when the routes are protected by an API key. */
  readonly needsApiKey?: boolean;
}

/** Names and details per status; a status added to STATUS_BY_CODE later still gets a generic response. */
const SPECS: Readonly<Record<number, ErrorResponseSpec>> = {
  400: { name: 'BadRequest', description: 'The body is not valid UTF-8 or JSON, or nests objects and arrays too deeply.' },
  401: {
    name: 'Unauthorized',
    description: 'Missing or wrong API key.',
    needsApiKey: true,
  },
  404: {
    name: 'NotFound',
    description: 'No such server or tool.',
    details: { type: 'object', properties: { server: { type: 'string' }, tool: { type: 'string' } } },
  },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than the configured limit.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not sent as application/json.' },
  422: {
    name: 'ValidationFailed',
    description:
      'The arguments do not match the tool input schema: VALIDATION_FAILED lists each problem, with a JSON ' +
      'Pointer into the body ("" is the body itself; for a missing property, the pointer of that property). ' +
      'INVALID_ARGUMENTS: the MCP server rejected the arguments itself.',
    details: {
      type: 'object',
      properties: { problems: { type: 'array', items: { $ref: `#/components/schemas/${VALIDATION_PROBLEM_SCHEMA}` } } },
    },
  },
  424: {
    name: 'ToolError',
    description:
      'The tool ran and reported an error (isError). The message is its first text; details.content holds ' +
      'all its content, mapped like a successful result.',
    details: {
      type: 'object',
      properties: {
        content: { description: 'The content items of the error result, mapped like a 200 body.' },
        structuredContent: { type: 'object', description: 'The structuredContent of the error result, if any.' },
      },
    },
  },
  500: { name: 'InternalError', description: 'An unexpected error in mcpo.' },
  502: { name: 'UpstreamError', description: 'The MCP server or its authorization server failed.' },
  503: {
    name: 'ServiceUnavailable',
    description:
      'The MCP server is not connected (SERVER_UNAVAILABLE), or waits for the user to authorize mcpo ' +
      '(NEEDS_AUTHORIZATION: open details.authorizationUrl, or connect it on details.connectionsUrl).',
    details: {
      type: 'object',
      properties: { authorizationUrl: { type: 'string', format: 'uri' }, connectionsUrl: { type: 'string', format: 'uri' }, server: { type: 'string' } },
    },
    headers: { 'Retry-After': { description: 'Seconds until the next connection attempt.', schema: { type: 'integer' } } },
  },
  504: { name: 'Timeout', description: 'The tool did not answer in time; the call was cancelled.' },
};

/** Codes sent with a status, from STATUS_BY_CODE. */
export function codesForStatus(status: number): ErrorCode[] {
  return (Object.keys(STATUS_BY_CODE) as ErrorCode[]).filter(
    (code) => STATUS_BY_CODE[code] === status && !CODES_NOT_FROM_OPERATIONS.has(code),
  );
}

/** Every status an HTTP client can receive from a tool route, ascending (401 only with an API key). */
export function documentedStatuses(apiKey: boolean): number[] {
  const statuses = new Set<number>();
  for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
    if (CODES_NOT_FROM_OPERATIONS.has(code as ErrorCode)) continue;
    if (SPECS[status]?.needsApiKey && !apiKey) continue;
    statuses.add(status);
  }
  return [...statuses].sort((a, b) => a - b);
}

/**
 * The 401 of a per-user server's operations (issue #17): besides a missing or wrong key, the calling user has not
 * connected their own account. Its message is written to be relayed as it is: Open WebUI hands a tool server's
 * error body to the model as the tool's result ("HTTP error 401: <body>", its utils/tools.py execute_tool_server),
 * so the model reads the link and can pass it on.
 */
const USER_NOT_CONNECTED: ErrorResponseSpec = {
  name: 'UnauthorizedOrNotConnected',
  description:
    'Missing or wrong API key (UNAUTHORIZED), or the calling user has not connected their own account to this ' +
    'server (NEEDS_AUTHORIZATION): error.message tells the user what to do ("To use <server>, open <url> and ' +
    'approve access, then ask again."): relay it as it is; the link is also in details.authorizationUrl.',
  details: {
    type: 'object',
    properties: { authorizationUrl: { type: 'string', format: 'uri' }, server: { type: 'string' }, user: { type: 'string' } },
  },
};
const USER_NOT_CONNECTED_CODES: ErrorCode[] = ['UNAUTHORIZED', 'NEEDS_AUTHORIZATION'];

function specFor(status: number): ErrorResponseSpec {
  return SPECS[status] ?? { name: `Error${status}`, description: `Error codes: ${codesForStatus(status).join(', ')}.` };
}

/** The `Error` and `ValidationProblem` schemas. */
export function errorSchemas(): Record<string, unknown> {
  return {
    [ERROR_SCHEMA]: {
      type: 'object',
      description: 'The error envelope of every non-2xx response.',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: Object.keys(STATUS_BY_CODE), description: 'Stable; branch on this.' },
            message: { type: 'string', description: 'For people; may change.' },
            details: { type: 'object', additionalProperties: true },
          },
        },
      },
    },
    [VALIDATION_PROBLEM_SCHEMA]: {
      type: 'object',
      required: ['path', 'message'],
      properties: {
        path: { type: 'string', description: 'JSON Pointer (RFC 6901) into the request body; "" is the body itself.' },
        message: { type: 'string' },
      },
    },
  };
}

function responseComponent(status: number, spec: ErrorResponseSpec, codes = codesForStatus(status)): Record<string, unknown> {
  const narrowed: Record<string, unknown> = { code: { enum: codes } };
  if (spec.details) narrowed.details = spec.details;
  return {
    description: spec.description,
    ...(spec.headers ? { headers: spec.headers } : {}),
    content: {
      'application/json': {
        schema: {
          allOf: [
            { $ref: `#/components/schemas/${ERROR_SCHEMA}` },
            { properties: { error: { properties: narrowed } } },
          ],
        },
        example: { error: { code: codes[0], message: spec.description } },
      },
    },
  };
}

/**
 * Response components, by name, for the statuses a tool route can answer; with `perUser` (the document has a
 * per-user server's operations), also their 401.
 */
export function errorResponses(apiKey: boolean, perUser = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const status of documentedStatuses(apiKey)) {
    const spec = specFor(status);
    out[spec.name] = responseComponent(status, spec);
  }
  if (perUser) out[USER_NOT_CONNECTED.name] = responseComponent(401, USER_NOT_CONNECTED, USER_NOT_CONNECTED_CODES);
  return out;
}

/**
 * What an operation's `responses` gets for errors: status -> $ref to the shared response. A per-user server's
 * operations answer 401 whether or not mcpo has an API key (see USER_NOT_CONNECTED).
 */
export function errorResponseRefs(apiKey: boolean, perUser = false): Record<string, { $ref: string }> {
  const out: Record<string, { $ref: string }> = {};
  for (const status of documentedStatuses(apiKey)) {
    out[String(status)] = { $ref: `#/components/responses/${specFor(status).name}` };
  }
  if (perUser) out['401'] = { $ref: `#/components/responses/${USER_NOT_CONNECTED.name}` };
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => Number(a) - Number(b)));
}
