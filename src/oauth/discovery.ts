/**
 * Finds where and how to authorize for one MCP server, and refuses servers mcpo must not talk to:
 *
 * 1. Protected resource metadata (RFC 9728): at the `resource_metadata` URL of the server's 401 challenge,
 *    else at `/.well-known/oauth-protected-resource/<path>`, then at the root (the SDK's path-aware lookup).
 *    Its `resource` must identify the configured server URL (same URL or a parent of it), else
 *    ResourceMismatchError: a token for another resource must never be requested on this server's behalf.
 * 2. Authorization server: the first of `authorization_servers`; for servers without RFC 9728 (MCP
 *    2025-03-26) the configured `server_url`, else the MCP URL's origin.
 * 3. Its metadata: RFC 8414 then OpenID Connect discovery, in the MCP spec's order, issuers with a path
 *    included (the SDK's discoverAuthorizationServerMetadata). A legacy server without any metadata gets
 *    the default /authorize, /token and /register endpoints (the SDK derives them when metadata is absent).
 * 4. Its `issuer` must be the authorization server URL it was fetched for (RFC 8414 §3.3), compared as
 *    parsed URLs and tolerating one trailing slash (`https://as/` advertised, `https://as` in the document);
 *    for a 2025-03-26 server (metadata at the MCP server's own origin), any issuer on that origin.
 *    Its endpoints must be http(s) URLs: the authorization URL goes to the system's URL opener, where a
 *    file: or custom-scheme URL would start a local handler instead of a browser.
 * 5. PKCE: metadata that does not list S256 in code_challenge_methods_supported → PkceUnsupportedError
 *    (the MCP spec makes that a hard stop; the SDK only refuses when the field lists other methods).
 * 6. RFC 9207: its `issuer` and authorization_response_iss_parameter_supported are what the authorization
 *    response must name (expectedIssuer); the flag is kept even where the SDK's OpenID schema drops it.
 *
 * Every request goes through the injected `fetch`, which never carries the entry's configured headers.
 */
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { checkResourceAllowed, resourceUrlFromServerUrl } from '@modelcontextprotocol/sdk/shared/auth-utils.js';
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ExpectedIssuer } from './callbackParams.js';
import { DiscoveryError, IssuerMismatchError, OAuthAnswerTooLargeError, PkceUnsupportedError, ResourceMismatchError } from './errors.js';
import type { BearerChallenge } from './scopes.js';
import type { StoredDiscovery } from './store/schema.js';

export interface DiscoverOptions {
  /** The MCP server URL as configured. */
  serverUrl: string;
  /** The server's 401 challenge, when one was seen (its resource_metadata is tried first). */
  challenge?: BearerChallenge;
  /** `oauth.server_url`: the authorization base for servers without protected resource metadata. */
  fallbackServerUrl?: string;
  fetch: FetchLike;
  /** Epoch ms. */
  now: () => number;
}

export async function discover(options: DiscoverOptions): Promise<StoredDiscovery> {
  const { serverUrl, fetch } = options;
  const hinted = options.challenge?.resourceMetadataUrl;
  let resourceMetadata = hinted ? await fetchResourceMetadata(serverUrl, fetch, hinted) : undefined;
  resourceMetadata ??= await fetchResourceMetadata(serverUrl, fetch);
  if (resourceMetadata) checkResource(resourceMetadata, serverUrl);

  const advertised = resourceMetadata?.authorization_servers?.[0];
  const authorizationServerUrl = advertised ?? options.fallbackServerUrl ?? new URL('/', serverUrl).href;
  let authorizationServerMetadata;
  try {
    authorizationServerMetadata = await fetchAuthorizationServerMetadata(authorizationServerUrl, fetch);
  } catch (error) {
    if (error instanceof OAuthAnswerTooLargeError) throw error;
    throw new DiscoveryError(`the authorization server metadata of ${authorizationServerUrl}`, error);
  }
  if (!authorizationServerMetadata && advertised) {
    throw new DiscoveryError(`the authorization server metadata of ${authorizationServerUrl} (no RFC 8414 or OpenID document)`);
  }
  // MCP 2025-03-26 (no RFC 9728): the metadata is looked up at the MCP server's own origin, and servers of that era
  // publish an issuer with a path there (`https://host/oauth`). An issuer on that same origin is that server's; one on
  // another origin is still refused.
  const legacyOrigin = !advertised && options.fallbackServerUrl === undefined;
  const issuerAccepted = (issuer: string) => issuersMatch(issuer, authorizationServerUrl) || (legacyOrigin && sameOrigin(issuer, authorizationServerUrl));
  if (authorizationServerMetadata && !issuerAccepted(authorizationServerMetadata.issuer)) {
    // Else a document served for one server could send the user, the code and the client secret to another.
    throw new IssuerMismatchError(authorizationServerMetadata.issuer, authorizationServerUrl);
  }
  if (authorizationServerMetadata) checkEndpointSchemes(authorizationServerMetadata, authorizationServerUrl);
  if (authorizationServerMetadata && !authorizationServerMetadata.code_challenge_methods_supported?.includes('S256')) {
    throw new PkceUnsupportedError(authorizationServerUrl);
  }
  return {
    authorizationServerUrl,
    ...(authorizationServerMetadata ? { authorizationServerMetadata } : {}),
    ...(resourceMetadata ? { resourceMetadata } : {}),
    ...(hinted ? { resourceMetadataUrl: hinted.href } : {}),
    fetchedAt: options.now(),
  };
}

/**
 * The SDK's RFC 8414 / OpenID discovery, keeping authorization_response_iss_parameter_supported (RFC 9207),
 * which the SDK's OpenID schema strips. Each document is read once, here: the SDK parses a copy of the text.
 */
async function fetchAuthorizationServerMetadata(authorizationServerUrl: string, fetch: FetchLike) {
  let issParameterSupported = false;
  const keepingIssFlag: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    if (!response.ok) return response;
    const text = await response.text();
    const doc = parsedJson(text);
    issParameterSupported = typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>)[ISS_PARAMETER_SUPPORTED] === true;
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const metadata = await discoverAuthorizationServerMetadata(authorizationServerUrl, { fetchFn: keepingIssFlag });
  return metadata && issParameterSupported ? { ...metadata, [ISS_PARAMETER_SUPPORTED]: true } : metadata;
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const ISS_PARAMETER_SUPPORTED = 'authorization_response_iss_parameter_supported';

/** The metadata, or undefined when the server has none there (legacy servers); throws only for an answer over the size limit. */
async function fetchResourceMetadata(
  serverUrl: string,
  fetch: FetchLike,
  resourceMetadataUrl?: URL,
): Promise<OAuthProtectedResourceMetadata | undefined> {
  try {
    return await discoverOAuthProtectedResourceMetadata(serverUrl, resourceMetadataUrl ? { resourceMetadataUrl } : {}, fetch);
  } catch (error) {
    // Taken for "no metadata", an oversized document would send the login to the fallback authorization server.
    if (error instanceof OAuthAnswerTooLargeError) throw error;
    return undefined;
  }
}

/**
 * RFC 9728 §3.3 / RFC 8707: the advertised resource must be the server URL or a parent of it. The SDK's
 * check compares origin and path only; a resource with a query must also carry the server URL's query
 * (else `?tenant=other` would get a token for another tenant requested on this server's behalf).
 */
export function checkResource(metadata: OAuthProtectedResourceMetadata, serverUrl: string): void {
  let allowed = false;
  try {
    const requested = resourceUrlFromServerUrl(serverUrl);
    const resourceQuery = new URL(metadata.resource).search;
    allowed = checkResourceAllowed({ requestedResource: requested, configuredResource: metadata.resource }) && (resourceQuery === '' || resourceQuery === requested.search);
  } catch {
    allowed = false;
  }
  if (!allowed) throw new ResourceMismatchError(metadata.resource, serverUrl);
}

/** The `resource` parameter to send (RFC 8707): the metadata's value verbatim, or none for legacy servers. */
export function resourceParameter(discovery: StoredDiscovery | undefined): string | undefined {
  return discovery?.resourceMetadata?.resource;
}

/**
 * The issuer an authorization response of this flow must name (RFC 9207 §2.4): the metadata's `issuer`,
 * verbatim, required when the metadata sets authorization_response_iss_parameter_supported. A server
 * without metadata has no published issuer; the authorization server URL stands in for it (the RFC leaves
 * this case to configuration), so a response naming some other issuer is still refused.
 */
export function expectedIssuer(discovery: StoredDiscovery): ExpectedIssuer {
  const metadata = discovery.authorizationServerMetadata;
  if (!metadata) return { issuer: discovery.authorizationServerUrl, required: false };
  return { issuer: metadata.issuer, required: (metadata as Record<string, unknown>)[ISS_PARAMETER_SUPPORTED] === true };
}

/** Two issuer identifiers as parsed URLs, equal up to one trailing slash. */
function issuersMatch(issuer: string, authorizationServerUrl: string): boolean {
  let a: string;
  let b: string;
  try {
    [a, b] = [new URL(issuer).href, new URL(authorizationServerUrl).href];
  } catch {
    return false;
  }
  return a === b || a === `${b}/` || b === `${a}/`;
}

function sameOrigin(issuer: string, authorizationServerUrl: string): boolean {
  return URL.canParse(issuer) && new URL(issuer).origin === new URL(authorizationServerUrl).origin;
}

const ENDPOINT_FIELDS = ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint'] as const;

function checkEndpointSchemes(metadata: Record<string, unknown>, authorizationServerUrl: string): void {
  for (const field of ENDPOINT_FIELDS) {
    const value = metadata[field];
    if (value === undefined) continue;
    const protocol = typeof value === 'string' && URL.canParse(value) ? new URL(value).protocol : undefined;
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new DiscoveryError(`the authorization server metadata of ${authorizationServerUrl}`, new Error(`its ${field} is not an http(s) URL`));
    }
  }
}

/** Where the saved discovery sends credentials elsewhere than the live one; undefined when they agree. */
export function discoveryMismatch(saved: StoredDiscovery, live: StoredDiscovery): { field: string; saved: string; live: string } | undefined {
  const fields: Array<[string, (d: StoredDiscovery) => string | undefined]> = [
    ['authorization server', (d) => d.authorizationServerUrl],
    ['issuer', (d) => d.authorizationServerMetadata?.issuer],
    ['token_endpoint', (d) => d.authorizationServerMetadata?.token_endpoint],
    ['revocation_endpoint', (d) => (d.authorizationServerMetadata as Record<string, unknown> | undefined)?.revocation_endpoint as string | undefined],
  ];
  for (const [field, read] of fields) {
    const a = read(saved) ?? '';
    const b = read(live) ?? '';
    if (a !== b) return { field, saved: a, live: b };
  }
  return undefined;
}
