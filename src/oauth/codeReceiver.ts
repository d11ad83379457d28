/**
 * Where an interactive authorization gets its code back: the loopback listener on 127.0.0.1 (loopback.ts, for a
 * browser on mcpo's machine) or mcpo's own HTTP port at `{publicUrl}/oauth/callback` (serverReceiver.ts, for a
 * browser anywhere). interactive.ts runs the same flow with either.
 */

/** What a receiver publishes once the authorization URL exists. */
export interface PublishedLogin {
  /** For the operator's console. */
  link: string;
  /** For the command line of the browser mcpo launches (readable by every local user). Default `link`. */
  launchLink?: string;
  /** Safe to show over HTTP (/healthz, documents, 503 bodies): it never carries `state` or a ticket. */
  publicLink: string;
  /**
   * Receivers on mcpo's port: binds the browser whose request this answers (the connections page's Connect) and
   * says where to send it. Each call binds a new browser; the one bound before can no longer complete the login.
   */
  bindBrowser?(): BrowserBinding;
  /** Whether mcpo should open `link` in a browser itself (not for a login that starts from the connections page). Default true. */
  launchBrowser?: boolean;
}

/** The answer that binds a browser to a login: a redirect to the authorization URL that sets the binding cookie. */
export interface BrowserBinding {
  /** The authorization URL (with `state`). */
  location: string;
  /** The Set-Cookie header value. */
  setCookie: string;
}

export interface CodeReceiver {
  /** The redirect_uri of the authorization request. */
  readonly redirectUri: string;
  /** Makes the login public (once): what to show, and for receivers on mcpo's port, how to bind a browser. */
  publish(authorizationUrl: URL): PublishedLogin;
  /**
   * Resolves with the authorization code; rejects with an McpoOAuthError (the authorization server's error, a
   * wrong issuer, no code, the timeout, a cancellation). A forged or stale callback never settles it.
   */
  readonly result: Promise<{ code: string }>;
  /** Stops receiving (rejecting `result` with OAuthCancelledError if still pending). Idempotent. */
  close(): Promise<void>;
}
