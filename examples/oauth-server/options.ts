/**
 * Options of the example server, their defaults, and the resolved form the other files use.
 */
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import { OAuthClientInformationFullSchema } from '@modelcontextprotocol/sdk/shared/auth.js';

/** Default port; 0 asks the OS for a free one. */
export const DEFAULT_PORT = 8000;
/** Default bind address: loopback only, so the demo is never reachable from the network by accident. */
export const DEFAULT_HOST = '127.0.0.1';
/** Default access-token lifetime in seconds (1 hour). */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
/** Default refresh-token lifetime in seconds (7 days); each refresh issues a new one with a full lifetime. */
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
/** Default authorization-code lifetime in seconds (OAuth 2.1 §4.1.2 recommends at most 10 minutes). */
export const DEFAULT_AUTHORIZATION_CODE_TTL_SECONDS = 300;
/** How long a consent page stays answerable, in seconds. */
export const DEFAULT_CONSENT_TTL_SECONDS = 600;

/**
 * What the `scope` of a 403 insufficient_scope challenge lists.
 * - `granted-and-required`: the token's scopes plus the missing ones. The MCP TypeScript SDK 1.x client
 *   replaces its requested scope with the challenge's, so a challenge naming only the missing scope would make
 *   it re-authorize without `tools:list` and loop (see python-sdk PR #2676 / MCP SEP-2350).
 * - `required-only`: only the scopes the refused request needs (RFC 6750 §3.1 reading; newer MCP spec, where
 *   the client accumulates scopes itself).
 */
export type ScopeChallengeStyle = 'granted-and-required' | 'required-only';
export const DEFAULT_SCOPE_CHALLENGE_STYLE: ScopeChallengeStyle = 'granted-and-required';

export interface OAuthExampleServerOptions {
  /** TCP port. Default DEFAULT_PORT (8000); 0 picks a free port (read it back from the handle). */
  port?: number;
  /** Address to bind. Default DEFAULT_HOST (127.0.0.1). */
  host?: string;
  /** Access-token lifetime, seconds. Default 3600. A few seconds makes refresh easy to watch. */
  accessTokenTtlSeconds?: number;
  /** Refresh-token lifetime, seconds. Default 7 days. */
  refreshTokenTtlSeconds?: number;
  /** Authorization-code lifetime, seconds. Default 300. */
  authorizationCodeTtlSeconds?: number;
  /** Skip the consent page: /authorize redirects straight back with a code. Default false. */
  autoApprove?: boolean;
  /** Pre-registered clients (e.g. a confidential client using client_secret_basic). Default none. */
  clients?: OAuthClientInformationFull[];
  /** Clock in epoch milliseconds, for token and code expiry. Default Date.now. */
  now?: () => number;
  /** Receives one line per HTTP request (method, path, status, duration; never tokens). Default: silent. */
  log?: (line: string) => void;
  /** See ScopeChallengeStyle. Default 'granted-and-required'. */
  scopeChallenge?: ScopeChallengeStyle;
  /**
   * Accept Client ID Metadata Documents: advertise client_id_metadata_document_supported, and treat an
   * https (or loopback http) client_id as the URL of the client's metadata document. Default false.
   */
  clientIdMetadataDocuments?: boolean;
  /**
   * RFC 9207: send `iss` in every authorization response and advertise
   * authorization_response_iss_parameter_supported. false imitates a server that predates RFC 9207 (neither).
   * Default true.
   */
  issuerIdentification?: boolean;
  /**
   * Imitate a server of the MCP 2025-03-26 era: no protected resource metadata (404, and no resource_metadata in
   * challenges), and authorization server metadata at the origin whose `issuer` carries a path (`<origin>/oauth`),
   * as the MCP conformance scenario auth/2025-03-26-oauth-metadata-backcompat serves it. Default false.
   */
  legacyMetadata?: boolean;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  authorizationCodeTtlSeconds: number;
  autoApprove: boolean;
  clients: OAuthClientInformationFull[];
  now: () => number;
  log: ((line: string) => void) | undefined;
  scopeChallenge: ScopeChallengeStyle;
  clientIdMetadataDocuments: boolean;
  issuerIdentification: boolean;
  legacyMetadata: boolean;
}

/** Thrown for option values the server cannot run with. */
export class InvalidOptionError extends Error {
  readonly code = 'INVALID_OPTION';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOptionError';
  }
}

function positiveSeconds(name: string, value: number | undefined, fallback: number): number {
  const seconds = value ?? fallback;
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidOptionError(`${name} must be a positive number of seconds`);
  return seconds;
}

/** Applies defaults and checks values; static clients are checked against the SDK's client schema. */
export function resolveOptions(options: OAuthExampleServerOptions): ResolvedOptions {
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError('port must be an integer 0-65535');
  const clients = (options.clients ?? []).map((client, i) => {
    const parsed = OAuthClientInformationFullSchema.safeParse(client);
    if (!parsed.success) throw new InvalidOptionError(`clients[${i}] is not valid client information: ${parsed.error.message}`);
    return parsed.data;
  });
  return {
    port,
    host: options.host ?? DEFAULT_HOST,
    accessTokenTtlSeconds: positiveSeconds('accessTokenTtlSeconds', options.accessTokenTtlSeconds, DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    refreshTokenTtlSeconds: positiveSeconds('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds, DEFAULT_REFRESH_TOKEN_TTL_SECONDS),
    authorizationCodeTtlSeconds: positiveSeconds(
      'authorizationCodeTtlSeconds',
      options.authorizationCodeTtlSeconds,
      DEFAULT_AUTHORIZATION_CODE_TTL_SECONDS,
    ),
    autoApprove: options.autoApprove ?? false,
    clients,
    now: options.now ?? Date.now,
    log: options.log,
    scopeChallenge: options.scopeChallenge ?? DEFAULT_SCOPE_CHALLENGE_STYLE,
    clientIdMetadataDocuments: options.clientIdMetadataDocuments ?? false,
    issuerIdentification: options.issuerIdentification ?? true,
    legacyMetadata: options.legacyMetadata ?? false,
  };
}
