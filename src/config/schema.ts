/**
 * The config file as written: `{"mcpServers": {NAME: entry}}` in the format of Claude Desktop and the
 * Python mcpo, or VS Code's `{"servers": {NAME: entry}, "inputs": […]}`, plus the spellings other
 * clients write (`transport` for `type`, Windsurf's `serverUrl` for `url`, `http`/`streamable_http`/
 * `streamableHttp` for streamable HTTP). This is the single source
 * of truth for what is valid; ./normalize.ts turns the parsed result into the McpoConfig types.
 * Expansion of `${VAR}` happens before validation, so URLs are checked after expansion.
 */
import { z } from 'zod';
import { headerForwardingSchema } from './headerForwarding.js';
import { isJsonObject } from './jsonPath.js';
import { serverNameProblem } from './names.js';
import { oauthSchema } from './oauthSchema.js';
import { hasUrlCredentials, isHttpUrl } from './urls.js';
import { usersSchema } from './users.js';

export type TransportType = 'stdio' | 'sse' | 'streamable-http';

/** Accepted `type`/`transport` values (compared case-insensitively) and what they mean. */
export const TRANSPORT_TYPES: Readonly<Record<string, TransportType>> = {
  stdio: 'stdio',
  sse: 'sse',
  'streamable-http': 'streamable-http',
  streamable_http: 'streamable-http',
  streamablehttp: 'streamable-http',
  http: 'streamable-http',
};

/** The canonical transport for a `type` value, or undefined when it is not one mcpo knows. */
export function transportOf(type: string): TransportType | undefined {
  return Object.hasOwn(TRANSPORT_TYPES, type.toLowerCase()) ? TRANSPORT_TYPES[type.toLowerCase()] : undefined;
}

/** The longest delay a Node timer takes (2^31-1 ms, about 24.8 days): setTimeout fires at once beyond it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A larger `timeout` would silently mean "no wait" (see MAX_TIMER_MS). 2147483 s is about 24.8 days. */
export const MAX_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** Upper bound of `maxConcurrentCalls`: beyond it the limit would not bound anything a machine can hold. */
export const MAX_CONCURRENT_CALLS = 100_000;

/** Upper bound of `maxTools` and `maxToolPages`. */
export const MAX_TOOL_LIST_COUNT = 1_000_000;
/** Upper bound of `maxToolListBytes` (1 GiB): beyond it the bound would not protect the process. */
export const MAX_TOOL_LIST_BYTES = 1024 ** 3;

/** An optional whole number from 1 to `max`. */
function positiveCount(unit: string, max: number) {
  return z.number().int('must be a whole number').positive(`must be at least 1 ${unit.replace(/s$/, '')}`).max(max, `must be at most ${max}`).optional();
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 §5.6.2 token
const ENV_NAME = /^[^=\0]+$/;

const transportSchema = z.string().transform((value, ctx) => {
  const transport = transportOf(value);
  if (transport) return transport;
  ctx.issues.push({
    code: 'custom',
    input: value,
    message: `unknown transport type ${JSON.stringify(value)}: use "stdio", "sse" or "streamable-http" (also accepted: "http", "streamable_http", "streamableHttp")`,
  });
  return z.NEVER;
});

const httpUrlSchema = z
  .string()
  .refine(isHttpUrl, { message: 'must be an absolute http:// or https:// URL', abort: true })
  .refine(
    (url) => !hasUrlCredentials(url),
    'must not contain a user name or password (fetch refuses them and they would be shown in logs and /healthz): put them in "headers", e.g. {"Authorization": "Basic <base64 of user:password>"}',
  );

/** `publicUrl`: where browsers reach mcpo (src/server/publicUrl.ts checks how it agrees with the prefixes). */
const publicUrlSchema = httpUrlSchema.refine((url) => !/[?#]/.test(url), 'must not have a query or fragment');

const headersSchema = z.record(z.string(), z.string()).superRefine(
  (headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid HTTP header name' });
      else if (typeof value === 'string' && /[\r\n\0]/.test(value)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'header value must not contain line breaks or NUL characters' });
      }
    }
  },
  { when: (payload) => isJsonObject(payload.value) },
);

const envSchema = z.record(z.string(), z.string()).superRefine(
  (env, ctx) => {
    for (const name of Object.keys(env)) {
      if (!ENV_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid environment variable name (it contains "=" or is empty)' });
    }
  },
  { when: (payload) => isJsonObject(payload.value) },
);

const toolNamesSchema = z.array(z.string().min(1, 'must not be empty'));

/** One entry under `mcpServers` (stdio or remote; which one is decided by the presence of command or url). */
export const serverEntrySchema = z
  .object({
    command: z.string().min(1, 'must not be empty').optional(),
    args: z.array(z.string()).optional(),
    env: envSchema.optional(),
    /** VS Code: a .env file whose variables the child gets under `env` (see ./envFile.ts). */
    envFile: z.string().min(1, 'must not be empty').optional(),
    /** false: the child gets only a minimal safe environment plus `env`, not mcpo's whole environment. */
    inheritEnv: z.boolean().optional(),
    cwd: z.string().min(1, 'must not be empty').optional(),
    type: transportSchema.optional(),
    /** Alias of `type`. */
    transport: transportSchema.optional(),
    url: httpUrlSchema.optional(),
    /** Alias of `url` (Windsurf). */
    serverUrl: httpUrlSchema.optional(),
    headers: headersSchema.optional(),
    disabledTools: toolNamesSchema.optional(),
    /** The Python mcpo's other spelling of `disabledTools`; given both, the tools of both lists are hidden. */
    disabled_tools: toolNamesSchema.optional(),
    /** The Python mcpo's header forwarding; see ./headerForwarding.ts. */
    client_header_forwarding: headerForwardingSchema.optional(),
    /** Seconds per tool call. */
    timeout: z
      .number()
      .positive('must be a positive number of seconds')
      .max(MAX_TIMEOUT_SECONDS, `must be at most ${MAX_TIMEOUT_SECONDS} seconds (about 24 days)`)
      .optional(),
    /** Tool calls in flight to this server at once; more wait their turn (first come, first served). */
    maxConcurrentCalls: z.number().int('must be a whole number').positive('must be at least 1').max(MAX_CONCURRENT_CALLS, `must be at most ${MAX_CONCURRENT_CALLS}`).optional(),
    /** Bounds of the server's tool list (src/mcp/toolList.ts): tools, pages of tools/list, bytes of tool definitions. */
    maxTools: positiveCount('tools', MAX_TOOL_LIST_COUNT),
    maxToolPages: positiveCount('pages', MAX_TOOL_LIST_COUNT),
    maxToolListBytes: positiveCount('bytes', MAX_TOOL_LIST_BYTES),
    /** Remote servers: seconds of idle time after which the session is checked with MCP ping; 0 = never. */
    pingInterval: z
      .number()
      .nonnegative('must be 0 (off) or a positive number of seconds')
      .max(MAX_TIMEOUT_SECONDS, `must be at most ${MAX_TIMEOUT_SECONDS} seconds (about 24 days)`)
      .optional(),
    oauth: oauthSchema.optional(),
    /** true: the SDK's own client transport instead of mcpo's, for a server that misbehaves with mcpo's (src/mcp/transport.ts). */
    sdkTransport: z.boolean().optional(),
    /** `"disabled": true` (as Cline and Claude Code write it) leaves the server out. */
    disabled: z.boolean().optional(),
  })
  .superRefine(checkEntryShape, { when: (payload) => isJsonObject(payload.value) });

/**
 * Rules across fields. Runs even when single fields are invalid (so all problems are listed at once),
 * hence it looks only at which keys are present, treating the entry as the plain object it may still be.
 */
function checkEntryShape(entry: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const problem = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  const declared = (entry.type ?? entry.transport) as unknown;
  const transport = typeof declared === 'string' ? transportOf(declared) : undefined;
  const hasCommand = entry.command !== undefined;
  const hasUrl = entry.url !== undefined || entry.serverUrl !== undefined;

  for (const [key, alias] of [['type', 'transport'], ['url', 'serverUrl']] as const) {
    if (entry[key] !== undefined && entry[alias] !== undefined && entry[key] !== entry[alias]) {
      problem([alias], `conflicts with "${key}" (they are the same setting): keep only one`);
    }
  }
  if (hasCommand && hasUrl) {
    problem([], 'has both "command" and "url": use "command" to start a local (stdio) server or "url" to connect to a remote one');
  } else if (!hasCommand && !hasUrl) {
    const what = transport === 'stdio' ? '"command"' : transport ? '"url"' : '"command" (to start a local stdio server) or "url" (to connect to a remote server)';
    problem([], `needs ${what}`);
  } else if (transport === 'stdio' && hasUrl) {
    problem([entry.type !== undefined ? 'type' : 'transport'], 'is "stdio", which needs "command", not "url"');
  } else if (transport !== undefined && transport !== 'stdio' && hasCommand) {
    problem([entry.type !== undefined ? 'type' : 'transport'], `is "${String(declared)}", which needs "url", not "command"`);
  }

  if (entry.oauth !== undefined && (hasCommand || transport === 'stdio')) {
    problem(['oauth'], 'only applies to remote (url) servers: a stdio server cannot use OAuth');
  }
  if (entry.pingInterval !== undefined && (hasCommand || transport === 'stdio')) {
    problem(['pingInterval'], 'only applies to remote (url) servers: a stdio server that dies is noticed at once');
  }
  if (entry.oauth !== undefined && isJsonObject(entry.headers)) {
    for (const name of Object.keys(entry.headers)) {
      if (name.toLowerCase() === 'authorization') {
        problem(['headers', name], 'conflicts with "oauth": mcpo sends the OAuth access token as the Authorization header; remove one of them');
      }
    }
  }
}

/** The servers of a file: names (URL path segments) → entries. */
const serverListSchema = z.record(z.string(), serverEntrySchema).superRefine(
  (servers, ctx) => {
    for (const name of Object.keys(servers)) {
      const problem = serverNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  },
  { when: (payload) => isJsonObject(payload.value) },
);

/** Where a file keeps its servers: `mcpServers` (Claude Desktop and Code, Cursor, the Python mcpo) or `servers` (VS Code's mcp.json). */
export const SERVER_LIST_KEYS = ['mcpServers', 'servers'] as const;
export type ServerListKey = (typeof SERVER_LIST_KEYS)[number];

/** The whole file, after `${VAR}` expansion and with disabled entries removed. ./load.ts sees to it that exactly one server list is present. */
export const configFileSchema = z.object({
  /** Editors' JSON schema hint; accepted and ignored. */
  $schema: z.string().optional(),
  mcpServers: serverListSchema.optional(),
  /** VS Code's name for `mcpServers`. */
  servers: serverListSchema.optional(),
  /** The address browsers and clients reach mcpo by, as --public-url (which wins); read at start, not on hot reload. */
  publicUrl: publicUrlSchema.optional(),
  /** The shared store for replicas, as --store (which wins): redis://host:port/db or rediss://…; read at start. */
  store: z.string().min(1).optional(),
  /** VS Code's prompts for `${input:…}` values. mcpo cannot prompt: ignored, with a warning. */
  inputs: z.array(z.unknown()).optional(),
  /** Callers with keys of their own (./users.ts); applied on hot reload. */
  users: usersSchema.optional(),
});

export type ServerEntryFile = z.infer<typeof serverEntrySchema>;
export type ConfigFile = z.infer<typeof configFileSchema>;
