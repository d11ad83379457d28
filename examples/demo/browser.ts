/**
 * How the demo "opens the browser" for mcpo's authorizations (mcpo's OpenBrowser hook):
 * - `system`: the real browser, through mcpo's own openInSystemBrowser (the `open` package);
 * - `print`: nothing opens; mcpo has printed the URL, the demo adds how to reach it (headless, --no-browser);
 * - `follow`: with the server's --auto-approve there is no page to click, so the demo requests the URL itself
 *   and follows the redirect to mcpo's loopback callback, as a browser would.
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
}

/** The OpenBrowser to hand to mcpo for `mode`. */
export function createOpenBrowser(mode: BrowserMode, options: BrowserOptions): OpenBrowser {
  switch (mode) {
    case 'system':
      return openInSystemBrowser;
    case 'print':
      return (url: string) => {
        options.output.write(`demo: ${options.printReason}: open the URL above in a browser on this machine.\n${sshHint(url)}\n`);
      };
    case 'follow': {
      const fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
      return async (url: string) => {
        // redirect: 'follow' takes the 302 from /authorize to mcpo's loopback /callback, which answers 200.
        const response = await fetchFn(url, { redirect: 'follow' });
        await response.arrayBuffer();
        if (!response.ok) throw new FollowRedirectError(response.status);
      };
    }
  }
}

/** From another machine, both the authorization server and mcpo's callback must be forwarded. */
function sshHint(authorizationUrl: string): string {
  const server = new URL(authorizationUrl);
  const callback = new URL(server.searchParams.get('redirect_uri') ?? 'http://127.0.0.1:3030/callback');
  const forward = (url: URL) => `-L ${url.port}:${url.hostname}:${url.port}`;
  return `demo: from another machine, forward both ports first: ssh ${forward(server)} ${forward(callback)} <this host>`;
}
