/**
 * One interactive authorization (authorization code + PKCE S256, RFC 6749 §4.1, RFC 7636): discover,
 * start receiving the callback (the loopback listener, or mcpo's own port: codeReceiver.ts) or prepare the paste
 * prompt, let the SDK's auth() register the client if needed and build the authorization URL (with `state`, `resource` and `scope`), show the URL,
 * wait for the code (state- and issuer-checked by the receiver or the paste flow), and let auth() exchange it.
 */
import { randomBytes } from 'node:crypto';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { DEFAULT_OAUTH_CALLBACK_PORT } from '../config/oauthSchema.js';
import type { OAuthConfig } from '../config/types.js';
import { McpoError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ExpectedIssuer } from './callbackParams.js';
import { discover, expectedIssuer } from './discovery.js';
import { AuthorizationFailedError, CallbackTimeoutError, OAuthCancelledError } from './errors.js';
import type { CodeReceiver, PublishedLogin } from './codeReceiver.js';
import { DEFAULT_CALLBACK_PATH, DEFAULT_CALLBACK_TIMEOUT_MS, LOOPBACK_HOST, startLoopbackReceiver } from './loopback.js';
import type { PeerIdentity } from './loopbackPeer.js';
import { readAuthorizationCodeFromTerminal } from './paste.js';
import { announcement, connectionsAnnouncement, LAUNCH_BROWSER, type BrowserPolicy, type PromptIo } from './prompts.js';
import { AuthorizationProvider } from './provider.js';
import type { BearerChallenge } from './scopes.js';
import { scrubbedError } from './secrets.js';
import type { StoredAuth } from './store/schema.js';
import type { TokenStore } from './store/tokenStore.js';
import { updateStored, type StoreIdentity } from './stored.js';

export interface InteractiveAuthorizationOptions {
  serverName: string;
  serverUrl: string;
  config: OAuthConfig;
  store: TokenStore;
  identity: StoreIdentity;
  /** For authorization-server requests: never carries the entry's configured headers. */
  fetch: FetchLike;
  now: () => number;
  io: PromptIo;
  logger: Logger;
  /** The server's last 401/403 challenge (its resource_metadata and scope). */
  challenge?: BearerChallenge;
  /** Scope to request; undefined lets the SDK use the metadata's scopes_supported (or none). */
  scope?: string;
  /** Why the user is asked (shown with the URL), e.g. "first login". */
  reason: string;
  /** Whether the loopback flow launches the browser. Default LAUNCH_BROWSER; the URL is printed either way. */
  browser?: BrowserPolicy;
  /** Default DEFAULT_CALLBACK_TIMEOUT_MS (5 minutes), for both flows. */
  timeoutMs?: number;
  /**
   * Told the public login link (no ticket, LoginLink.publicHref) as soon as it exists, for the server's status:
   * loopback flows only. The authorization URL (it carries `state`) and the ticket link go to the console only.
   */
  onAuthorizationUrl?: (url: string) => void;
  /** Aborting ends the wait with OAuthCancelledError (mcpo is shutting down, the server was removed). */
  signal?: AbortSignal;
  /** Who owns a connection to the loopback receiver. Default procNetPeers() (see loopbackPeer.ts). */
  peers?: PeerIdentity;
  /**
   * Where the code comes back instead of the loopback listener on config.callbackPort: a receiver on mcpo's own
   * port (serverReceiver.ts), made with this flow's `state` and issuer. Not used by the copy/paste flow.
   */
  startReceiver?: (expected: ReceiverExpectations) => CodeReceiver | Promise<CodeReceiver>;
  /** Told the published login as soon as it exists (bindBrowser included, for a receiver on mcpo's port). */
  onPublished?: (login: PublishedLogin) => void;
}

/** What a receiver checks a callback against. */
export interface ReceiverExpectations {
  state: string;
  issuer: ExpectedIssuer;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Runs the flow to the end; resolves with the saved state (tokens included). An abort stops it between
 * steps, cuts off the request under way, and no store write happens after it: once the returned promise
 * settled, the flow has left no work behind (close() relies on this).
 */
export async function runInteractiveAuthorization(options: InteractiveAuthorizationOptions): Promise<StoredAuth> {
  try {
    return await runFlow(options);
  } catch (error) {
    // Whatever failed after the abort (a cut-off discovery request, say) failed because of it.
    throwIfCancelled(options.signal);
    throw error;
  }
}

async function runFlow(options: InteractiveAuthorizationOptions): Promise<StoredAuth> {
  const { config, serverUrl, store, identity, signal } = options;
  const stopIfCancelled = (): void => throwIfCancelled(signal);
  const fetch = signal ? cancellableFetch(options.fetch, signal) : options.fetch;
  stopIfCancelled();
  const discovery = await discover({
    serverUrl,
    fetch,
    now: options.now,
    ...(options.challenge ? { challenge: options.challenge } : {}),
    ...(config.serverUrl ? { fallbackServerUrl: config.serverUrl } : {}),
  });
  stopIfCancelled();
  const initial = await updateStored(store, identity, (s) => ({ ...s, discovery }), signal);
  const state = randomBytes(32).toString('base64url');
  // RFC 9207: the response must come from the server of the metadata the SDK builds the request from.
  const issuer = expectedIssuer(discovery);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS;
  const custom = options.startReceiver;
  const receiver: CodeReceiver | undefined = !config.useLoopback
    ? undefined
    : custom
    ? await custom({ state, issuer, timeoutMs, ...(signal ? { signal } : {}) })
    : await startLoopbackReceiver({
        port: config.callbackPort,
        expectedState: state,
        expectedIssuer: issuer,
        timeoutMs,
        onOtherUser: (uid, route) =>
          options.logger.warn(`another local user (uid ${uid}) tried to ${route === 'link' ? 'open the login link' : 'deliver the authorization callback'}; refused, the login keeps waiting`, {
            server: options.serverName,
          }),
        ...(options.peers ? { peers: options.peers } : {}),
        ...(signal ? { signal } : {}),
      });
  try {
    const redirectUrl = receiver?.redirectUri ?? `http://${LOOPBACK_HOST}:${config.callbackPort || DEFAULT_OAUTH_CALLBACK_PORT}${DEFAULT_CALLBACK_PATH}`;
    const provider = new AuthorizationProvider({ config, store, identity, initial, redirectUrl, state, now: options.now, ...(signal ? { signal } : {}) });
    const scope = options.scope;
    await sdkAuth(() => auth(provider, { serverUrl, fetchFn: fetch, ...(scope ? { scope } : {}) }), signal, () => provider.secretValues());
    stopIfCancelled();
    const url = provider.authorizationUrl;
    if (!url) return (await store.load()) ?? initial; // the SDK got tokens without the user (not for this grant)
    const { code } = await waitForCode(options, receiver, url, { state, issuer }, timeoutMs);
    stopIfCancelled();
    await sdkAuth(() => auth(provider, { serverUrl, authorizationCode: code, fetchFn: fetch, ...(scope ? { scope } : {}) }), signal, () => [code, ...provider.secretValues()]);
    stopIfCancelled();
    options.logger.info('authorized', { server: options.serverName });
    return (await store.load()) ?? initial;
  } finally {
    await receiver?.close();
  }
}

/** Throws OAuthCancelledError once `signal` aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new OAuthCancelledError(undefined, signal.reason);
}

/** `fetch` whose requests are also cut off by `signal` (the flow was cancelled mid-request). */
function cancellableFetch(fetch: FetchLike, signal: AbortSignal): FetchLike {
  return (url, init) => fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
}

async function waitForCode(
  options: InteractiveAuthorizationOptions,
  receiver: CodeReceiver | undefined,
  url: URL,
  expected: { state: string; issuer: ExpectedIssuer },
  timeoutMs: number,
): Promise<{ code: string }> {
  const { io } = options;
  if (receiver) {
    // The authorization URL carries `state`: the console gets mcpo's login link, status pages and the command
    // line of the browser mcpo launches (readable by every local user) less (loginLink.ts).
    const published = receiver.publish(url);
    const { link, publicLink } = published;
    const launchLink = published.launchLink ?? link;
    options.onAuthorizationUrl?.(publicLink);
    options.onPublished?.(published);
    if (published.launchBrowser === false) {
      io.output.write(connectionsAnnouncement(options.serverName, link, options.reason));
      return receiver.result;
    }
    const browser = options.browser ?? LAUNCH_BROWSER;
    io.output.write(announcement(options.serverName, link, options.reason, browser));
    if (!browser.launch) return receiver.result;
    try {
      await io.openBrowser(launchLink);
    } catch (error) {
      options.logger.warn('could not open a browser; open the printed URL yourself', { server: options.serverName, error: String(error) });
    }
    return receiver.result;
  }
  // Copy/paste: the URL goes to the operator's terminal only, which is also the only way back in for a code.
  io.output.write(`\nmcpo: server "${options.serverName}" needs authorization (${options.reason}).\n`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onCancel = () => controller.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  try {
    return await readAuthorizationCodeFromTerminal({
      input: io.input,
      output: io.output,
      isTTY: io.isTTY,
      expectedState: expected.state,
      expectedIssuer: expected.issuer,
      authorizationUrl: url,
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted && !options.signal?.aborted) throw new CallbackTimeoutError(timeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCancel);
  }
}

/**
 * SDK errors (registration refused, code exchange failed) become AuthorizationFailedError; ours pass, and
 * anything after a cancellation (the aborted request's error) is the cancellation. The SDK's message may
 * quote the server's answer, which may echo the request: `secrets` are scrubbed from it (secrets.ts).
 */
async function sdkAuth(run: () => Promise<unknown>, signal: AbortSignal | undefined, secrets: () => string[]): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof McpoError) throw error;
    throwIfCancelled(signal);
    throw new AuthorizationFailedError(scrubbedError(error, secrets()));
  }
}
