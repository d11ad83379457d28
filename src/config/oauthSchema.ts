/**
 * The `oauth` block of a remote entry, in the snake_case keys the Python mcpo documents.
 * Normalized to OAuthConfig (camelCase, defaults applied) by ./normalize.ts.
 */
import { z } from 'zod';
import { isJsonObject } from './jsonPath.js';
import { isAbsoluteUrl, isClientMetadataUrl, isHttpUrl } from './urls.js';

/** Port of the loopback callback server when `callback_port` is not set (the Python mcpo's default). */
export const DEFAULT_OAUTH_CALLBACK_PORT = 3030;
/** Browser + loopback callback by default; false switches to the print-and-paste flow. */
export const DEFAULT_OAUTH_USE_LOOPBACK = true;
/** Tokens survive restarts by default. */
export const DEFAULT_OAUTH_STORAGE_TYPE = 'file';

export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export const OAUTH_STORAGE_TYPES = ['file', 'memory'] as const;
/** Where the browser comes back: the loopback listener on `callback_port`, or mcpo's own `{publicUrl}/oauth/callback`. */
export const OAUTH_REDIRECTS = ['loopback', 'server'] as const;

/** Seconds a user's session of a per-user server stays open without calls: 15 minutes. */
export const DEFAULT_PER_USER_IDLE_TIMEOUT_SECONDS = 900;
/** Per-user sessions of one server open at once. */
export const DEFAULT_PER_USER_MAX_SESSIONS = 100;

const nonEmpty = z.string().min(1, 'must not be empty');
const httpUrl = z.string().refine(isHttpUrl, 'must be an absolute http:// or https:// URL');

/** RFC 7591 §2 fields mcpo does not interpret but passes through to registration unchanged. */
export const PASSTHROUGH_CLIENT_METADATA_KEYS: readonly string[] = [
  'client_uri',
  'logo_uri',
  'contacts',
  'tos_uri',
  'policy_uri',
  'jwks_uri',
  'jwks',
  'software_id',
  'software_version',
];

/** Loose: unknown keys are kept (and warned about unless they are RFC 7591 fields). */
export const clientMetadataSchema = z.looseObject({
  client_name: nonEmpty.optional(),
  redirect_uris: z.array(z.string().refine(isAbsoluteUrl, 'must be an absolute URL')).optional(),
  grant_types: z.array(nonEmpty).optional(),
  response_types: z.array(nonEmpty).optional(),
  token_endpoint_auth_method: z
    .enum(TOKEN_ENDPOINT_AUTH_METHODS, { error: `must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.map((m) => `"${m}"`).join(', ')}` })
    .optional(),
  scope: z.string().optional(),
});

/** The `oauth` block; defaults are applied here, so the parsed type has callback_port, use_loopback and storage_type. */
export const oauthSchema = z
  .object({
    server_url: httpUrl.optional(),
    callback_port: z
      .int()
      .min(0, 'must be a port number from 0 to 65535 (0 picks a free port)')
      .max(65535, 'must be a port number from 0 to 65535 (0 picks a free port)')
      .default(DEFAULT_OAUTH_CALLBACK_PORT),
    use_loopback: z.boolean().default(DEFAULT_OAUTH_USE_LOOPBACK),
    /** Default: "server" when mcpo has a public URL, else "loopback". */
    redirect: z.enum(OAUTH_REDIRECTS, { error: 'must be "loopback" or "server"' }).optional(),
    storage_type: z.enum(OAUTH_STORAGE_TYPES, { error: 'must be "file" or "memory"' }).default(DEFAULT_OAUTH_STORAGE_TYPE),
    client_metadata: clientMetadataSchema.optional(),
    client_id: nonEmpty.optional(),
    client_secret: nonEmpty.optional(),
    client_metadata_url: z
      .string()
      .refine(isClientMetadataUrl, 'must be an https:// URL with a path (http:// is allowed only on localhost or 127.0.0.1)')
      .optional(),
    scope: nonEmpty.optional(),
    /** One MCP session and one set of tokens per mcpo user (src/mcp/perUserServer.ts). */
    perUser: z.boolean().optional(),
    perUserIdleTimeout: z.number().positive('must be a number of seconds above 0').optional(),
    perUserMaxSessions: z.int().min(1, 'must be a whole number of 1 or more').optional(),
  })
  .superRefine(
    (oauth, ctx) => {
      if (oauth.client_secret !== undefined && oauth.client_id === undefined) {
        ctx.addIssue({ code: 'custom', path: ['client_secret'], message: 'needs "client_id": a client secret belongs to a pre-registered client' });
      }
      if (oauth.use_loopback === false && oauth.redirect !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['redirect'], message: 'conflicts with "use_loopback": false (the copy/paste flow has no redirect to receive): remove one of them' });
      }
      if (oauth.perUser === true && (oauth.use_loopback === false || oauth.redirect === 'loopback')) {
        ctx.addIssue({ code: 'custom', path: ['perUser'], message: PER_USER_NEEDS_SERVER_REDIRECT });
      }
      for (const key of ['perUserIdleTimeout', 'perUserMaxSessions'] as const) {
        if (oauth[key] !== undefined && oauth.perUser !== true) ctx.addIssue({ code: 'custom', path: [key], message: 'only applies with "perUser": true' });
      }
    },
    // Run even when a field is invalid, so every problem is reported in one go.
    { when: (payload) => isJsonObject(payload.value) },
  );

/**
 * Each user connects their own account from their own browser, which must come back to mcpo: the loopback and
 * paste flows complete only on mcpo's machine or terminal.
 */
export const PER_USER_NEEDS_SERVER_REDIRECT =
  'needs the OAuth callback on mcpo\'s own port, where each user\'s browser comes back: give mcpo --public-url (or "publicUrl"), or set "redirect": "server"';

export type OAuthFileConfig = z.infer<typeof oauthSchema>;
export type ClientMetadataFileConfig = z.infer<typeof clientMetadataSchema>;
