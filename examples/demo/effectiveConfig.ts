/**
 * The config the demo actually serves: the chosen examples/config_oauth*.json with every URL moved to the
 * origin the example server got (its port may differ from the files' 8001), and callback_port overridden on
 * request. It is written to a file so that `mcpo auth status --config <that file>` sees the same servers.
 * `${VAR}` placeholders are kept as written: mcpo expands them when it loads the file.
 */
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { DEFAULT_OAUTH_CALLBACK_PORT } from '../../src/config/oauthSchema.js';
import { DEFAULT_CALLBACK_PATH, LOOPBACK_HOST } from '../../src/oauth/loopback.js';
import type { OAuthEntry } from '../../src/oauth/setup.js';

/** Thrown when the config file is not an mcpServers object the demo can point at the example server. */
export class DemoConfigError extends Error {
  readonly code = 'DEMO_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'DemoConfigError';
  }
}

export interface RetargetOptions {
  /** The example server's origin, e.g. http://127.0.0.1:8001. */
  origin: string;
  /** Replaces every oauth block's callback_port. Undefined: as configured. */
  callbackPort?: number;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The same URL on another origin (path and query kept); strings that are not absolute URLs stay as they are. */
function moveToOrigin(value: unknown, origin: string): unknown {
  if (typeof value !== 'string' || !URL.canParse(value)) return value;
  const url = new URL(value);
  const target = new URL(origin);
  url.protocol = target.protocol;
  url.host = target.host;
  // new URL() adds a "/" to a bare origin; keep the spelling the file used.
  return value.endsWith('/') || url.pathname !== '/' || url.search ? url.href : url.href.replace(/\/$/, '');
}

/** Returns the config text to write: parsed, retargeted and pretty-printed. */
export function retargetConfig(text: string, options: RetargetOptions): string {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new DemoConfigError(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(root) || !isObject(root.mcpServers)) throw new DemoConfigError('expected {"mcpServers": {...}}');
  const servers: JsonObject = {};
  for (const [name, entry] of Object.entries(root.mcpServers)) {
    if (!isObject(entry)) {
      servers[name] = entry;
      continue;
    }
    const next: JsonObject = { ...entry };
    for (const key of ['url', 'serverUrl']) if (key in next) next[key] = moveToOrigin(next[key], options.origin);
    if (isObject(entry.oauth)) {
      const oauth: JsonObject = { ...entry.oauth };
      if ('server_url' in oauth) oauth.server_url = moveToOrigin(oauth.server_url, options.origin);
      if (options.callbackPort !== undefined) oauth.callback_port = options.callbackPort;
      next.oauth = oauth;
    }
    servers[name] = next;
  }
  return `${JSON.stringify({ ...root, mcpServers: servers }, null, 2)}\n`;
}

/**
 * The pre-registered clients the example server must know for the config's entries that name a client_id
 * and secret (the static-client variant). Their redirect URI is mcpo's loopback callback on the configured
 * port; the server accepts any port on 127.0.0.1 (RFC 8252 §7.3), so callback_port 0 works too.
 */
export function staticClientsFor(entries: readonly OAuthEntry[]): OAuthClientInformationFull[] {
  const clients: OAuthClientInformationFull[] = [];
  for (const { oauth } of entries) {
    if (oauth.clientId === undefined || oauth.clientSecret === undefined) continue;
    const port = oauth.callbackPort === 0 ? DEFAULT_OAUTH_CALLBACK_PORT : oauth.callbackPort;
    clients.push({
      client_id: oauth.clientId,
      client_secret: oauth.clientSecret,
      client_name: oauth.clientMetadata?.clientName ?? `Pre-registered client ${oauth.clientId}`,
      redirect_uris: [`http://${LOOPBACK_HOST}:${port}${DEFAULT_CALLBACK_PATH}`, ...(oauth.clientMetadata?.redirectUris ?? [])],
      token_endpoint_auth_method: oauth.clientMetadata?.tokenEndpointAuthMethod ?? 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
  }
  return clients;
}
