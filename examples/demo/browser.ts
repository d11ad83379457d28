/**
 * How the demo "opens the browser" for mcpo's authorizations (mcpo's OpenBrowser hook):
 * - `system`: the real browser, through mcpo's own openInSystemBrowser (the `open` package);
 * - `print`: nothing opens; mcpo has printed the URL, the demo adds how to reach it (headless, --no-browser);
 * - `follow`: with the server's --auto-approve there is no page to click, so the demo requests mcpo's login
 *   link itself and follows the redirects (to the authorization server, back to mcpo's loopback callback),
 *   keeping the cookie the link sets, as a browser would: the callback only takes the code from the browser
 *   that opened the link.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { openInSystemBrowser } from '../../src/oauth/defaults.js';
import type { OpenBrowser } from '../../src/oauth/prompts.js';

export type BrowserMode = 'system' | 'print' | 'follow';

/** Thrown when following an auto-approved authorization did not end on mcpo's success page. */
export class FollowRedirectError extends Error {
  readonly code = 'FOLLOW_FAILED';
  constructor(status: number) {
    super(`following the authorization URL ended with HTTP ${status}`);
    this.name = 'FollowRedirectError';
  }
}

/**
 * Whether a browser can show a window: on Linux and the BSDs only with an X11 or Wayland display (an SSH
 * session or a container has neither); macOS and Windows always have a desktop to open.
 */
export function hasDisplay(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export interface BrowserChoice {
  autoApprove: boolean;
  noBrowser: boolean;
  display: boolean;
}

/** follow under --auto-approve; print with --no-browser or without a display; system otherwise. */
export function chooseBrowserMode(choice: BrowserChoice): BrowserMode {
  if (choice.autoApprove) return 'follow';
  if (choice.noBrowser || !choice.display) return 'print';
  return 'system';
}

export interface BrowserOptions {
  /** Where the `print` hint goes (stderr, next to mcpo's URL). */
  output: NodeJS.WritableStream;
  /** Why nothing opens, for the hint, e.g. "no display (DISPLAY and WAYLAND_DISPLAY are unset)". */
  printReason: string;
  /** Used by `follow`. Default globalThis.fetch. */
  fetch?: FetchLike;
  /** The example server's port, for the `print` hint's SSH forwarding. Default 8001. */
  serverPort?: number;
}

/** The OpenBrowser to hand to mcpo for `mode`. */
export function createOpenBrowser(mode: BrowserMode, options: BrowserOptions): OpenBrowser {
  switch (mode) {
    case 'system':
      return openInSystemBrowser;
    case 'print':
      return (url: string) => {
        options.output.write(`demo: ${options.printReason}: open the URL above in a browser on this machine.\n${sshHint(url, options.serverPort ?? 8001)}\n`);
      };
    case 'follow': {
      const fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
      return async (url: string) => {
        // mcpo's /start (sets the cookie) → /authorize (auto-approved) → mcpo's /callback, which answers 200.
        const cookies = new Map<string, string[]>(); // by host name: ports share cookies, as in a browser
        let current = new URL(url);
        for (let hop = 0; hop < 10; hop++) {
          const sent = cookies.get(current.hostname);
          const response = await fetchFn(current.href, { redirect: 'manual', ...(sent ? { headers: { cookie: sent.join('; ') } } : {}) });
          await response.arrayBuffer();
          const set = response.headers.getSetCookie?.() ?? [];
          if (set.length) cookies.set(current.hostname, [...(sent ?? []), ...set.map((line) => line.split(';')[0]!)]);
          const location = response.headers.get('location');
          if (response.status >= 300 && response.status < 400 && location) {
            current = new URL(location, current);
            continue;
          }
          if (!response.ok) throw new FollowRedirectError(response.status);
          return;
        }
        throw new FollowRedirectError(310);
      };
    }
  }
}

/** From another machine, both the authorization server and mcpo's login link and callback must be forwarded. */
function sshHint(loginLink: string, serverPort: number): string {
  const callback = new URL(loginLink); // mcpo's login link is served by the callback listener
  const forward = (host: string, port: string | number) => `-L ${port}:${host}:${port}`;
  return `demo: from another machine, forward both ports first: ssh ${forward('127.0.0.1', serverPort)} ${forward(callback.hostname, callback.port)} <this host>`;
}
