/** Validated file config (as the zod schemas parse it) → the camelCase McpoConfig the rest of mcpo uses. */
import { normalizeHeaderForwarding } from './headerForwarding.js';
import { DEFAULT_PER_USER_IDLE_TIMEOUT_SECONDS, DEFAULT_PER_USER_MAX_SESSIONS, type ClientMetadataFileConfig, type OAuthFileConfig } from './oauthSchema.js';
import type { ConfigFile, ServerEntryFile } from './schema.js';
import type { McpoConfig, OAuthClientMetadataConfig, OAuthConfig, ServerEntry } from './types.js';
import { normalizeUsers } from './users.js';

/** Copies defined values only, so normalized objects have no `key: undefined` noise. */
function defined<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

function normalizeClientMetadata(metadata: ClientMetadataFileConfig): OAuthClientMetadataConfig {
  const { client_name, redirect_uris, grant_types, response_types, token_endpoint_auth_method, scope, ...passthrough } = metadata;
  return defined({
    ...passthrough,
    clientName: client_name,
    redirectUris: redirect_uris,
    grantTypes: grant_types,
    responseTypes: response_types,
    tokenEndpointAuthMethod: token_endpoint_auth_method,
    scope,
  });
}

/** snake_case file keys → OAuthConfig, with the schema's defaults already applied. */
export function normalizeOAuth(oauth: OAuthFileConfig): OAuthConfig {
  return defined({
    serverUrl: oauth.server_url,
    callbackPort: oauth.callback_port,
    useLoopback: oauth.use_loopback,
    redirect: oauth.redirect,
    storageType: oauth.storage_type,
    clientMetadata: oauth.client_metadata ? normalizeClientMetadata(oauth.client_metadata) : undefined,
    clientId: oauth.client_id,
    clientSecret: oauth.client_secret,
    clientMetadataUrl: oauth.client_metadata_url,
    scope: oauth.scope,
    perUser: oauth.perUser
      ? {
          idleTimeoutMs: (oauth.perUserIdleTimeout ?? DEFAULT_PER_USER_IDLE_TIMEOUT_SECONDS) * 1000,
          maxSessions: oauth.perUserMaxSessions ?? DEFAULT_PER_USER_MAX_SESSIONS,
        }
      : undefined,
  });
}

/** One validated entry. The schema guarantees exactly one of command / url (or serverUrl) is present. */
export function normalizeEntry(name: string, entry: ServerEntryFile): ServerEntry {
  const common = defined({
    name,
    disabledTools: [...new Set([...(entry.disabledTools ?? []), ...(entry.disabled_tools ?? [])])],
    // Round up so a tiny positive timeout never becomes 0 ms (which would mean "no timeout" to some APIs).
    timeoutMs: entry.timeout === undefined ? undefined : Math.ceil(entry.timeout * 1000),
    maxConcurrentCalls: entry.maxConcurrentCalls,
    maxTools: entry.maxTools,
    maxToolPages: entry.maxToolPages,
    maxToolListBytes: entry.maxToolListBytes,
    headerForwarding: normalizeHeaderForwarding(entry.client_header_forwarding),
    sdkTransport: entry.sdkTransport,
  });
  if (entry.command !== undefined) {
    return defined({ ...common, kind: 'stdio' as const, command: entry.command, args: entry.args ?? [], env: entry.env ?? {}, inheritEnv: entry.inheritEnv ?? true, cwd: entry.cwd });
  }
  const transport = entry.type ?? entry.transport;
  return defined({
    ...common,
    kind: transport === 'sse' || transport === 'streamable-http' ? transport : ('auto' as const),
    url: entry.url ?? entry.serverUrl ?? '',
    headers: entry.headers ?? {},
    pingIntervalMs: entry.pingInterval === undefined ? undefined : Math.ceil(entry.pingInterval * 1000),
    oauth: entry.oauth ? normalizeOAuth(entry.oauth) : undefined,
  });
}

/** All entries, in file order. */
export function normalizeConfig(file: ConfigFile): McpoConfig {
  const servers = Object.entries(file.mcpServers ?? file.servers ?? {}).map(([name, entry]) => normalizeEntry(name, entry));
  const config: McpoConfig = { servers, users: normalizeUsers(file.users) };
  if (file.publicUrl !== undefined) config.publicUrl = file.publicUrl;
  if (file.store !== undefined) config.store = file.store;
  return config;
}
