/**
 * The shape of one token file (and of MemoryTokenStore's state): schema first, types derived.
 * Nested OAuth objects reuse the SDK's own schemas so what the OAuthClientProvider hands to the
 * store comes back unchanged (including `issuer`, which the SDK uses to avoid presenting a
 * refresh token or a registration to a different authorization server).
 */
import * as z from 'zod';
import {
  OAuthClientInformationFullSchema,
  OAuthClientInformationSchema,
  OAuthMetadataSchema,
  OAuthProtectedResourceMetadataSchema,
  OpenIdProviderDiscoveryMetadataSchema,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/** Current file format version. A file with another version is treated like a corrupt file. */
export const STORED_AUTH_VERSION = 1;

/**
 * Tokens as stored: the token response minus `expires_in`, plus `expires_at`, an absolute time
 * (epoch milliseconds) computed when the response was received, so a restart does not extend a token's life.
 */
export const StoredTokensSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  expires_at: z.number().int().nonnegative().optional(),
  /**
   * The lifetime the server issued (its `expires_in`), in seconds: short-lived tokens refresh with a margin
   * proportional to it (see refreshMarginFor). Absent from files written before it existed, which keep the
   * fixed margin; optional, so the file version stays 1.
   */
  lifetime_seconds: z.number().nonnegative().optional(),
  id_token: z.string().optional(),
  /** The authorization server that issued the tokens (set by the SDK). */
  issuer: z.string().optional(),
});
export type StoredTokens = z.infer<typeof StoredTokensSchema>;

/** Registered client information: a full RFC 7591 registration response, or just the client_id/secret part. */
export const StoredClientSchema = z.union([OAuthClientInformationFullSchema, OAuthClientInformationSchema]);
export type StoredClient = z.infer<typeof StoredClientSchema>;

/**
 * Cached discovery results (RFC 9728 protected resource metadata, RFC 8414 / OIDC authorization
 * server metadata), mirroring the SDK's OAuthDiscoveryState, plus when it was fetched.
 */
export const StoredDiscoverySchema = z.object({
  authorizationServerUrl: z.string(),
  authorizationServerMetadata: z.union([OAuthMetadataSchema, OpenIdProviderDiscoveryMetadataSchema]).optional(),
  resourceMetadata: OAuthProtectedResourceMetadataSchema.optional(),
  resourceMetadataUrl: z.string().optional(),
  /** Epoch milliseconds. */
  fetchedAt: z.number().int().nonnegative(),
});
export type StoredDiscovery = z.infer<typeof StoredDiscoverySchema>;

/** Everything mcpo remembers about its authorization with one MCP server. */
export const StoredAuthSchema = z.object({
  version: z.literal(STORED_AUTH_VERSION),
  /** The server URL as configured (the file name is derived from its canonical form). */
  serverUrl: z.string(),
  /** Which client this authorization belongs to: a configured client_id, a client metadata URL, or "dynamic". */
  clientIdentity: z.string().optional(),
  tokens: StoredTokensSchema.optional(),
  client: StoredClientSchema.optional(),
  discovery: StoredDiscoverySchema.optional(),
});
export type StoredAuth = z.infer<typeof StoredAuthSchema>;
