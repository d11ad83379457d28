/**
 * The SDK OAuthClientProvider mcpo hands to the SDK's auth() for one interactive authorization. It is
 * backed by the TokenStore (registration, discovery and tokens are saved there, under its lock) and
 * captures the authorization URL instead of redirecting anything itself: the caller prints it and opens
 * the browser.
 *
 * Client identity, in the MCP spec's order: the configured client_id (with its secret and
 * token_endpoint_auth_method), else a Client ID Metadata Document URL when the authorization server
 * advertises client_id_metadata_document_supported, else a stored dynamic registration, else none, and the
 * SDK registers dynamically (RFC 7591). A stored registration whose redirect_uris lack this attempt's
 * redirect URI (callback_port 0 picks a new port each time) is not reused: the server would refuse it.
 *
 * tokens() returns nothing on purpose: this provider exists for a NEW authorization (first login, a
 * revoked grant, a step-up to wider scopes), so the SDK must not settle for refreshing the old grant.
 * Refreshing is done elsewhere (see refresh.ts), where failures are retried instead of prompting.
 */
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { OAuthClientMetadataConfig, OAuthConfig } from '../config/types.js';
import type { StoredAuth } from './store/schema.js';
import type { TokenStore } from './store/tokenStore.js';
import { discoveryFromState, toDiscoveryState, tokensFromResponse } from './store/tokens.js';
import { updateStored, type StoreIdentity } from './stored.js';

/** client_name sent at registration when client_metadata sets none. */
export const DEFAULT_CLIENT_NAME = 'mcpo';

export interface AuthorizationProviderOptions {
  config: OAuthConfig;
  store: TokenStore;
  identity: StoreIdentity;
  /** The stored state when the attempt began (discovery must be set: discovery.ts ran first). */
  initial: StoredAuth;
  redirectUrl: string;
  /** The `state` of this attempt. */
  state: string;
  now: () => number;
  /** The flow's cancellation: no store write happens once it aborted. */
  signal?: AbortSignal;
}

export class AuthorizationProvider implements OAuthClientProvider {
  /** Set by the SDK's auth() when it built the authorization request. */
  authorizationUrl: URL | undefined;
  private verifier: string | undefined;
  private current: StoredAuth;
  /**
   * The dynamic registration this attempt presents, once known. Another mcpo sharing the store may register a client
   * of its own meanwhile: this attempt keeps to its own, and its tokens are saved together with it, so a saved
   * refresh token is always presented by the client it was issued to.
   */
  private registration: OAuthClientInformationMixed | undefined;

  constructor(private readonly options: AuthorizationProviderOptions) {
    this.current = options.initial;
  }

  get redirectUrl(): string {
    return this.options.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return buildClientMetadata(this.options.config.clientMetadata, this.options.redirectUrl);
  }

  state(): string {
    return this.options.state;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    if (this.registration) return this.registration;
    const client = resolveClient(this.options.config, this.current, this.options.redirectUrl);
    if (client !== undefined && client === this.current.client) this.registration = client;
    return client;
  }

  async saveClientInformation(client: OAuthClientInformationMixed): Promise<void> {
    // A configured or CIMD client is configuration, not state: nothing to remember.
    if (this.options.config.clientId !== undefined || client.client_id === this.options.config.clientMetadataUrl) return;
    this.registration = client;
    // Saved now only where no tokens were issued to the saved client (else with this attempt's tokens, in saveTokens).
    await this.update((s) => (s.tokens && s.client ? s : { ...s, client }));
  }

  tokens(): OAuthTokens | undefined {
    return undefined;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    const stored = tokensFromResponse(tokens, this.options.now());
    const client = this.registration;
    await this.update((s) => ({ ...s, tokens: stored, ...(client ? { client } : {}) }));
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.authorizationUrl = authorizationUrl;
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (this.verifier === undefined) throw new Error('no PKCE code verifier: the authorization was not started');
    return this.verifier;
  }

  /** The secrets of this attempt (PKCE verifier, client secret), to keep out of error messages. */
  secretValues(): string[] {
    const client = this.clientInformation() ?? this.current.client;
    const secret = client && 'client_secret' in client ? client.client_secret : undefined;
    return [this.verifier, secret, this.options.config.clientSecret].filter((v): v is string => typeof v === 'string' && v !== '');
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    const discovery = discoveryFromState(state, this.options.now());
    await this.update((s) => ({ ...s, discovery }));
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.current.discovery ? toDiscoveryState(this.current.discovery) : undefined;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'verifier') return void (this.verifier = undefined);
    // Discovery is kept: it was checked (resource, PKCE) by discovery.ts, and the SDK would redo it unchecked.
    const dropClient = scope === 'all' || scope === 'client';
    const dropTokens = scope === 'all' || scope === 'tokens';
    if (dropClient) this.registration = undefined;
    await this.update(({ client, tokens, ...rest }) => ({
      ...rest,
      ...(dropClient || client === undefined ? {} : { client }),
      ...(dropTokens || tokens === undefined ? {} : { tokens }),
    }));
  }

  private async update(change: (current: StoredAuth) => StoredAuth): Promise<void> {
    this.current = await updateStored(this.options.store, this.options.identity, change, this.options.signal);
  }
}

/**
 * The client to present: configured client_id, else CIMD when the server supports it, else the stored
 * registration (not when `redirectUrl` is given and the registration does not list it). Undefined: register.
 */
export function resolveClient(config: OAuthConfig, stored: StoredAuth | undefined, redirectUrl?: string): OAuthClientInformationMixed | undefined {
  if (config.clientId !== undefined) {
    const method = config.clientMetadata?.tokenEndpointAuthMethod;
    return {
      client_id: config.clientId,
      ...(config.clientSecret === undefined ? {} : { client_secret: config.clientSecret }),
      ...(method === undefined ? {} : { token_endpoint_auth_method: method }),
    } as OAuthClientInformationMixed;
  }
  const cimd = config.clientMetadataUrl;
  if (cimd && stored?.discovery?.authorizationServerMetadata?.client_id_metadata_document_supported === true) {
    return { client_id: cimd };
  }
  const client = stored?.client;
  if (client && redirectUrl !== undefined && 'redirect_uris' in client && !client.redirect_uris.includes(redirectUrl)) return undefined;
  return client;
}

/** RFC 7591 metadata for registration: the configured fields over mcpo's defaults (a public client). */
export function buildClientMetadata(config: OAuthClientMetadataConfig | undefined, redirectUrl: string): OAuthClientMetadata {
  const { clientName, redirectUris, grantTypes, responseTypes, tokenEndpointAuthMethod, scope, ...passthrough } = config ?? {};
  return {
    ...passthrough,
    client_name: clientName ?? DEFAULT_CLIENT_NAME,
    redirect_uris: redirectUris?.includes(redirectUrl) ? redirectUris : [...(redirectUris ?? []), redirectUrl],
    grant_types: grantTypes ?? ['authorization_code', 'refresh_token'],
    response_types: responseTypes ?? ['code'],
    token_endpoint_auth_method: tokenEndpointAuthMethod ?? 'none',
    ...(scope === undefined ? {} : { scope }),
  };
}
