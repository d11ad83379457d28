/**
 * The normalized configuration the rest of mcpo consumes: camelCase, defaults applied, `${VAR}` expanded,
 * aliases resolved. The file format itself (snake_case OAuth keys, `transport`/`serverUrl` aliases…) is
 * described by the zod schemas in ./schema.ts and ./oauthSchema.ts; ./normalize.ts maps one to the other.
 */

import type { HeaderForwarding } from './headerForwarding.js';
import type { UserEntry } from './users.js';

/** Fields every server entry has, whatever its transport. */
export interface CommonEntry {
  /** The key under `mcpServers`; also the URL path segment the tools are served under. */
  name: string;
  /** Tools never served (matched by exact tool name), from `disabledTools` and `disabled_tools`. Default []. */
  disabledTools: string[];
  /** Per-call timeout in milliseconds, from the entry's `timeout` in seconds. Undefined: the caller's default. */
  timeoutMs?: number;
  /** Tool calls in flight to this server at once (more wait their turn). Undefined: the caller's default. */
  maxConcurrentCalls?: number;
  /** Request headers to pass on to the server (`client_header_forwarding` with `"enabled": true`). Undefined: none. */
  headerForwarding?: HeaderForwarding;
  /** Tools the server may list. Undefined: DEFAULT_MAX_TOOLS (10,000). */
  maxTools?: number;
  /** Pages of tools/list followed at most. Undefined: DEFAULT_MAX_TOOL_PAGES (100). */
  maxToolPages?: number;
  /** Bytes of tool definitions (as JSON) the server may list. Undefined: DEFAULT_MAX_TOOL_LIST_BYTES (32 MiB). */
  maxToolListBytes?: number;
  /** true: the SDK's own client transport instead of mcpo's (`"sdkTransport": true`). Undefined: mcpo's. */
  sdkTransport?: boolean;
}

/** A local MCP server started as a child process speaking MCP over stdin/stdout. */
export interface StdioEntry extends CommonEntry {
  kind: 'stdio';
  command: string;
  args: string[];
  /** Only the entry's own variables; see childEnvironment() for what the child actually gets. */
  env: Record<string, string>;
  /** true: the child gets mcpo's whole environment (minus MCPO_*) under `env`; false: a minimal safe set. Default true. */
  inheritEnv: boolean;
  cwd?: string;
}

/** A remote MCP server reached over HTTP. */
export interface RemoteEntry extends CommonEntry {
  /** 'auto' = a url without `type`: try streamable HTTP, fall back to legacy SSE. */
  kind: 'streamable-http' | 'sse' | 'auto';
  /** Absolute http(s) URL. */
  url: string;
  headers: Record<string, string>;
  /** Idle time after which the session is checked with MCP ping, ms; 0 = never. Undefined: the caller's default. */
  pingIntervalMs?: number;
  oauth?: OAuthConfig;
}

export type ServerEntry = StdioEntry | RemoteEntry;

export interface McpoConfig {
  /** In the order they appear in the file; entries with `"disabled": true` are left out. */
  servers: ServerEntry[];
  /** Top-level `publicUrl`: where browsers and clients reach mcpo (--public-url wins). */
  publicUrl?: string;
  /** `users`: callers with keys of their own, in file order. Undefined or []: none (only the operator). */
  users?: UserEntry[];
  /** Top-level `store`: the shared store's URL (--store wins). */
  store?: string;
}

/** RFC 7591 client metadata for static (or pre-filled dynamic) registration, camelCased. */
export interface OAuthClientMetadataConfig {
  clientName?: string;
  redirectUris?: string[];
  grantTypes?: string[];
  responseTypes?: string[];
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  scope?: string;
  /** Other RFC 7591 fields (logo_uri, contacts…) are passed through under their wire (snake_case) names. */
  [k: string]: unknown;
}

/** OAuth settings of a remote entry, normalized from the snake_case keys of the file. */
export interface OAuthConfig {
  /** Base URL of the authorization server (without the /mcp endpoint). Undefined: discovered from the MCP URL. */
  serverUrl?: string;
  /** Port of the loopback callback server. Default 3030; 0 = pick a free port. */
  callbackPort: number;
  /** true: open a browser and catch the redirect on loopback; false: print the URL and paste the callback. Default true. */
  useLoopback: boolean;
  /**
   * Where the browser comes back with the code (when useLoopback): 'loopback' (127.0.0.1:callbackPort) or 'server'
   * (`{publicUrl}/oauth/callback` on mcpo's own port). Undefined: 'server' when mcpo has a public URL, else 'loopback'.
   */
  redirect?: 'loopback' | 'server';
  /** Where tokens are kept. Default 'file'. */
  storageType: 'file' | 'memory';
  clientMetadata?: OAuthClientMetadataConfig;
  /** Pre-registered client (skips dynamic registration). */
  clientId?: string;
  /** Only with clientId (confidential pre-registered client). */
  clientSecret?: string;
  /** URL of a Client ID Metadata Document (https, or http on localhost for development). */
  clientMetadataUrl?: string;
  /** Scope to request; when absent the server's advertised scopes are used. */
  scope?: string;
  /** `"perUser": true`: one session and one set of tokens per mcpo user. Undefined: one for everyone (the operator's). */
  perUser?: PerUserConfig;
}

/** How a per-user server keeps its users' sessions (src/mcp/perUserServer.ts). */
export interface PerUserConfig {
  /** A user's session closes after this long without calls. Default 900 s (`perUserIdleTimeout`, in seconds). */
  idleTimeoutMs: number;
  /** Users' sessions open at once; the least recently used idle one closes for a new one. Default 100. */
  maxSessions: number;
}
