/**
 * Errors raised by mcpo's OAuth client pieces (token store, loopback receiver, paste flow).
 * They share the top-level code 'OAUTH_ERROR' (502: a protocol failure), except a temporary
 * unavailability of the authorization server, which is 'SERVER_UNAVAILABLE' (503 with Retry-After);
 * callers branch on the finer `reason` (or `instanceof`), never on message text. Messages never contain
 * token values or authorization codes.
 */
import { McpoError, type ErrorCode, type McpoErrorOptions } from '../errors.js';

/** Retry-After of a tool call that failed because the token endpoint could not be reached: 10 s. */
export const REFRESH_UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

export type OAuthFailureReason =
  /** The loopback receiver waited too long for the browser to come back. */
  | 'callback_timeout'
  /** The callback's `state` was missing or not the one we sent (CSRF or a stale tab). */
  | 'state_mismatch'
  /** The authorization server answered error=access_denied (the user said no). */
  | 'access_denied'
  /** The authorization server answered with another OAuth error (RFC 6749 §4.1.2.1). */
  | 'authorization_error'
  /** A callback arrived without `code` and without `error`. */
  | 'no_code'
  /** The configured callback_port is taken by another process. */
  | 'port_in_use'
  /** The loopback receiver could not listen for another reason (permissions, bad port). */
  | 'callback_listen_failed'
  /** The paste flow has no interactive input to read from. */
  | 'no_terminal'
  /** A token folder or file is owned by another user, writable by others, or a symbolic link. */
  | 'store_untrusted'
  /** The cross-process token lock could not be taken in time. */
  | 'lock_timeout'
  /** The token file could not be read or written (not corruption: an I/O failure). */
  | 'store_io'
  /** The token record is encrypted with a key that is not configured (none, or other ones). */
  | 'store_encrypted'
  /** The server URL used to key the token store is not a valid absolute URL. */
  | 'invalid_server_url'
  /** The caller aborted the flow (AbortSignal or close()). */
  | 'cancelled'
  /** Someone else took part in the login (its link opened by a second browser, its state brought back by one that did not open it): cancelled. */
  | 'login_intercepted'
  /** The authorization server does not list PKCE S256 in code_challenge_methods_supported. */
  | 'pkce_unsupported'
  /** The protected resource metadata names a resource other than the configured server URL. */
  | 'resource_mismatch'
  /** The authorization server metadata names another issuer than the server it was fetched for (RFC 8414 §3.3). */
  | 'issuer_mismatch'
  /**
   * The authorization response's `iss` is not the issuer this flow sent the user to, or is missing although
   * the server advertises authorization_response_iss_parameter_supported (RFC 9207: a possible mix-up attack).
   */
  | 'issuer_response_mismatch'
  /** Metadata discovery failed (network, HTTP status, malformed document). */
  | 'discovery_failed'
  /** The token endpoint kept failing (5xx, network) while refreshing; a later attempt may succeed. */
  | 'refresh_unavailable'
  /** Too many authorizations in a row for one server and operation. */
  | 'too_many_authorizations'
  /** The authorization flow failed at the authorization server (registration, token exchange). */
  | 'authorization_failed'
  /** Revocation at the RFC 7009 endpoint failed. */
  | 'revocation_failed'
  /** Too many connections to the loopback receiver wait to have their owner told (loopbackPeer.ts). */
  | 'callback_busy'
  /** An answer of the authorization server was longer than mcpo reads (requestLimits.ts). */
  | 'answer_too_large'
  /** The shared store (Redis) could not be reached at start. */
  | 'store_unreachable'
  /** The shared store stopped answering while running; a later attempt may succeed. */
  | 'store_unavailable'
  /** A lock on the shared store expired while its holder worked: what it would have written is dropped. */
  | 'store_lock_lost';

/** Base class: every OAuth failure mcpo raises on purpose. */
export class McpoOAuthError extends McpoError {
  readonly reason: OAuthFailureReason;

  constructor(reason: OAuthFailureReason, message: string, options: McpoErrorOptions & { code?: Extract<ErrorCode, 'OAUTH_ERROR' | 'SERVER_UNAVAILABLE'> } = {}) {
    const { code = 'OAUTH_ERROR', ...rest } = options;
    super(code, message, { ...rest, details: { reason, ...rest.details } });
    this.reason = reason;
  }
}

/** The browser did not come back to the loopback receiver within the timeout. */
export class CallbackTimeoutError extends McpoOAuthError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(
      'callback_timeout',
      `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the authorization callback; run the login again`,
      { details: { timeoutMs } },
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The callback's `state` did not match the one this flow sent. */
export class StateMismatchError extends McpoOAuthError {
  constructor(message = 'The authorization callback carried an unexpected state (a stale tab or a forged request); start the login again') {
    super('state_mismatch', message);
  }
}

/**
 * The authorization server redirected back with `error=…` (RFC 6749 §4.1.2.1).
 * `reason` is 'access_denied' when the user refused, 'authorization_error' otherwise.
 */
export class AuthorizationResponseError extends McpoOAuthError {
  readonly oauthError: string;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;

  constructor(oauthError: string, errorDescription?: string, errorUri?: string) {
    const reason: OAuthFailureReason = oauthError === 'access_denied' ? 'access_denied' : 'authorization_error';
    const suffix = errorDescription ? `: ${errorDescription}` : '';
    super(reason, `The authorization server returned error "${oauthError}"${suffix}`, {
      details: { error: oauthError, error_description: errorDescription, error_uri: errorUri },
    });
    this.oauthError = oauthError;
    this.errorDescription = errorDescription;
    this.errorUri = errorUri;
  }
}

/** A callback without `code` (and without `error`). */
export class MissingAuthorizationCodeError extends McpoOAuthError {
  constructor() {
    super('no_code', 'No authorization code found in the callback');
  }
}

/** The configured loopback port is taken. */
export class CallbackPortInUseError extends McpoOAuthError {
  readonly port: number;
  constructor(port: number, cause?: unknown) {
    super('port_in_use', `callback_port ${port} is in use; choose another in the oauth block or set 0`, {
      details: { port },
      cause,
    });
    this.port = port;
  }
}

/** The loopback receiver could not listen (other than the port being taken). */
export class CallbackListenError extends McpoOAuthError {
  readonly port: number;
  constructor(port: number, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('callback_listen_failed', `Cannot listen on 127.0.0.1:${port} for the authorization callback${why}`, {
      details: { port },
      cause,
    });
    this.port = port;
  }
}

/** The paste flow cannot read: stdin is closed or not interactive. */
export class NoTerminalError extends McpoOAuthError {
  constructor() {
    super(
      'no_terminal',
      'No terminal input to read the authorization code from; use the loopback flow (redirect to 127.0.0.1) or run `mcpo auth login` in a terminal',
    );
  }
}

/**
 * Too many connections to the loopback receiver are waiting to have their owner looked up: this one is
 * refused (503 with Retry-After) instead of queued, and the login keeps waiting.
 */
export class PeerLookupBusyError extends McpoOAuthError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('callback_busy', `Too many connections to the authorization callback at once; try again in ${retryAfterSeconds} s`, {
      code: 'SERVER_UNAVAILABLE',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The flow was aborted by its caller. */
export class OAuthCancelledError extends McpoOAuthError {
  constructor(what = 'The authorization flow was cancelled', cause?: unknown) {
    super('cancelled', what, { cause });
  }
}

/**
 * The loopback login was cancelled because someone other than the operator's browser took part in it: its
 * one-time link was opened by a second browser (`link_reused`), or the authorization server sent a browser
 * that never opened the link back with this login's state (`unbound_callback`). Nothing approved in it is
 * saved; the next login has a new state and a new link.
 */
export class LoginInterceptedError extends McpoOAuthError {
  readonly how: 'link_reused' | 'unbound_callback';
  constructor(how: 'link_reused' | 'unbound_callback') {
    const what =
      how === 'link_reused'
        ? 'a second browser opened its one-time login link, so someone else has the link'
        : "a browser that did not open mcpo's login link came back from the authorization server with this login's state, so someone else took part in it";
    super('login_intercepted', `The login was cancelled: ${what}. Nothing approved in it is saved; the next call (or mcpo auth login) starts a fresh login with a new link. Check who can read mcpo's console and command lines`, {
      details: { how },
    });
    this.how = how;
  }
}

/** The cross-process lock on a token file could not be taken in time. */
export class LockTimeoutError extends McpoOAuthError {
  readonly lockFile: string;
  constructor(lockFile: string, timeoutMs: number) {
    super('lock_timeout', `Timed out after ${timeoutMs} ms waiting for the token lock ${lockFile}`, {
      details: { lockFile, timeoutMs },
    });
    this.lockFile = lockFile;
  }
}

/** Reading or writing a token file failed for an I/O reason. */
export class TokenStoreIoError extends McpoOAuthError {
  readonly file: string;
  constructor(action: string, file: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('store_io', `Cannot ${action} token file ${file}${why}`, { details: { file }, cause });
    this.file = file;
  }
}

/**
 * A token record encrypted with a key mcpo was not given (no key at all, or none with its key id). The record is
 * left exactly as it is, neither overwritten nor moved aside: it is not corrupt, only unreadable without its key.
 */
export class TokenFileEncryptedError extends McpoOAuthError {
  readonly file: string;
  readonly keyId: string | undefined;
  /** `kind`: a token file, or a record of the shared store (`file` is then its address and key). */
  constructor(file: string, keyId: string | undefined, configuredKeyIds: readonly string[], kind: 'file' | 'record' = 'file') {
    const sealed = `Token ${kind} ${file} is encrypted${keyId ? ` with key id ${keyId}` : ''}`;
    const fix =
      configuredKeyIds.length === 0
        ? 'and no token key is configured: set MCPO_TOKEN_KEY (or --token-key-file / MCPO_TOKEN_KEY_FILE) to the key it was written with'
        : `and none of the configured token keys (key ids ${configuredKeyIds.join(', ')}) is that key: add it to MCPO_TOKEN_KEY (or the --token-key-file / MCPO_TOKEN_KEY_FILE file) after the new key`;
    super('store_encrypted', `${sealed} ${fix}. The ${kind} is left as it is`, { details: { file, ...(keyId ? { keyId } : {}) } });
    this.file = file;
    this.keyId = keyId;
  }
}

/**
 * A token folder or file mcpo must not trust: owned by another user, writable by group or others, or a
 * symbolic link. Another user could have planted it (MCPO_HOME on a shared folder) to make mcpo use their
 * grant, or send the configured client secret and refresh token to their token endpoint.
 */
export class UntrustedTokenStoreError extends McpoOAuthError {
  readonly file: string;
  constructor(file: string, problem: string) {
    super('store_untrusted', `Refusing to use ${file}, which ${problem}. Remove it, or set MCPO_HOME to a folder only you can write`, { details: { file } });
    this.file = file;
  }
}

/** The server URL cannot key a token file. */
export class InvalidServerUrlError extends McpoOAuthError {
  // The offending URL is not echoed: it may carry credentials in its userinfo or query.
  constructor(cause?: unknown) {
    super('invalid_server_url', 'The server URL is not an absolute http(s) URL', { cause });
  }
}

/** The authorization server metadata does not list S256 (MCP authorization spec: PKCE S256 is mandatory). */
export class PkceUnsupportedError extends McpoOAuthError {
  constructor(issuer: string) {
    super('pkce_unsupported', `The authorization server ${issuer} does not advertise PKCE S256 (code_challenge_methods_supported); refusing to authorize`, {
      details: { issuer },
    });
  }
}

/** RFC 9728 §3.3: the metadata's `resource` must identify the server we connect to. */
export class ResourceMismatchError extends McpoOAuthError {
  constructor(resource: string, serverUrl: string) {
    super('resource_mismatch', `The protected resource metadata names resource ${resource}, which does not match the server URL ${serverUrl}; refusing to authorize`, {
      details: { resource, serverUrl },
    });
  }
}

/** RFC 8414 §3.3 / OpenID Discovery §4.3: metadata whose `issuer` is not the server it was fetched for MUST NOT be used. */
export class IssuerMismatchError extends McpoOAuthError {
  constructor(issuer: string, authorizationServerUrl: string) {
    super('issuer_mismatch', `The authorization server metadata of ${authorizationServerUrl} names issuer ${issuer}; refusing to use it (RFC 8414 §3.3)`, {
      details: { issuer, authorizationServerUrl },
    });
  }
}

/** How much of an untrusted `iss` value an error message quotes. */
const MAX_QUOTED_ISSUER_LENGTH = 200;

/**
 * RFC 9207 §2.4: the authorization response names another issuer than the one this flow sent the user to
 * (`received`), or none (`received` undefined) although that server advertises
 * authorization_response_iss_parameter_supported. Its code is never exchanged; an `error=` in it is not
 * trusted either (it may come from another server).
 */
export class AuthorizationResponseIssuerError extends McpoOAuthError {
  readonly expected: string;
  readonly received: string | undefined;
  constructor(expected: string, received: string | undefined) {
    const quoted = received === undefined ? undefined : JSON.stringify(received.slice(0, MAX_QUOTED_ISSUER_LENGTH));
    super(
      'issuer_response_mismatch',
      quoted === undefined
        ? `The authorization response does not name its issuer, although ${expected} says it always does (RFC 9207); refusing it, start the login again`
        : `The authorization response names issuer ${quoted}, not ${expected} where this login was sent (RFC 9207: a possible mix-up attack); refusing it`,
      { details: { expected, ...(quoted === undefined ? {} : { received: received?.slice(0, MAX_QUOTED_ISSUER_LENGTH) }) } },
    );
    this.expected = expected;
    this.received = received;
  }
}

/** Discovery of the protected resource or authorization server metadata failed. */
export class DiscoveryError extends McpoOAuthError {
  constructor(what: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('discovery_failed', `Cannot discover ${what}${why}`, { cause });
  }
}

/**
 * The token endpoint kept failing while refreshing (5xx, 429, network): a temporary unavailability, not a
 * protocol failure and not a new login, so 503 SERVER_UNAVAILABLE with Retry-After; details.reason says why.
 */
export class RefreshUnavailableError extends McpoOAuthError {
  constructor(attempts: number, cause?: unknown, retryAfterSeconds = REFRESH_UNAVAILABLE_RETRY_AFTER_SECONDS) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('refresh_unavailable', `The authorization server is unavailable: refreshing the access token failed ${attempts} times${why}`, {
      code: 'SERVER_UNAVAILABLE',
      details: { attempts },
      headers: { 'Retry-After': String(retryAfterSeconds) },
      cause,
    });
  }
}

/** The cap on authorizations per server and operation was reached (a server that refuses every token). */
export class TooManyAuthorizationsError extends McpoOAuthError {
  constructor(limit: number) {
    super('too_many_authorizations', `The server refused the credentials after ${limit} authorizations in a row; giving up`, {
      details: { limit },
    });
  }
}

/** Registration or the code exchange failed at the authorization server. */
export class AuthorizationFailedError extends McpoOAuthError {
  constructor(cause: unknown) {
    const why = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    super('authorization_failed', `The authorization server refused the authorization${why}`, { cause });
  }
}

/** RFC 7009 revocation failed (the local token file is deleted anyway). */
export class RevocationError extends McpoOAuthError {
  constructor(status: number | undefined, cause?: unknown) {
    super('revocation_failed', `Token revocation failed${status === undefined ? '' : ` (HTTP ${status})`}`, { details: { status }, cause });
  }
}

/**
 * An answer of the authorization server (metadata, registration, token, revocation) was longer than mcpo reads,
 * decompressed: its connection was cut there. A server that never stops sending, or a compression bomb, would
 * otherwise grow mcpo's memory until it died. `url` is shown without userinfo, query or fragment.
 */
export class OAuthAnswerTooLargeError extends McpoOAuthError {
  readonly url: string;
  readonly maxBytes: number;
  constructor(url: string, maxBytes: number) {
    const shown = withoutSecrets(url);
    super('answer_too_large', `The answer of ${shown} is larger than ${maxBytes} bytes, more than any OAuth document needs; stopped reading it`, {
      details: { url: shown, maxBytes },
    });
    this.url = shown;
    this.maxBytes = maxBytes;
  }
}

function withoutSecrets(url: string): string {
  if (!URL.canParse(url)) return url.slice(0, MAX_QUOTED_ISSUER_LENGTH);
  const parsed = new URL(url);
  parsed.username = parsed.password = parsed.search = parsed.hash = '';
  return parsed.href;
}
