/**
 * The real edges of the OAuth client for a running mcpo: tokens under the mcpo home (MCPO_HOME or
 * ~/.mcpo), prompts on stderr, pasted codes from stdin, the system browser via the `open` package.
 * Tests build OAuthSupport with their own OAuthDeps instead.
 */
import { homedir } from 'node:os';
import open from 'open';
import type { Logger } from '../log/logger.js';
import { LAUNCH_BROWSER, type BrowserPolicy } from './prompts.js';
import { OAuthSupport, type OAuthDeps } from './setup.js';
import { resolveMcpoHome } from './store/paths.js';

export interface DefaultOAuthOptions {
  /** The environment (MCPO_HOME is read from it). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** --no-browser: print authorization URLs only. Default false. */
  noBrowser?: boolean;
  /** Default process.platform (a headless Linux gets no browser launch). */
  platform?: NodeJS.Platform;
  /** Overrides of the defaults (e.g. a test's openBrowser). */
  overrides?: Partial<OAuthDeps>;
}

/** The `open` package, with failures (no desktop, headless server) left to the caller to report. */
export async function openInSystemBrowser(url: string): Promise<void> {
  const child = await open(url);
  child.on('error', () => {}); // a missing xdg-open must not crash mcpo: the printed URL still works
  child.unref();
}

export interface BrowserPolicyOptions {
  /** --no-browser. Default false. */
  noBrowser?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /**
   * Whether the system browser (xdg-open) is what would be launched. Default true. The display check is
   * about it only: a caller's own PromptIo (a test's or the demo's browser) opens URLs its own way.
   */
  systemBrowser?: boolean;
}

/**
 * Whether to launch a browser: not with --no-browser, and not on a Linux without DISPLAY and
 * WAYLAND_DISPLAY: `open` starts xdg-open detached and never reports that it failed, so checking first
 * is the only way to tell the user something useful (the URL is printed in every case).
 */
export function browserPolicy(options: BrowserPolicyOptions): BrowserPolicy {
  if (options.noBrowser) return { launch: false, reason: '--no-browser' };
  const system = options.systemBrowser ?? true;
  if (system && options.platform === 'linux' && !options.env.DISPLAY && !options.env.WAYLAND_DISPLAY) {
    return { launch: false, reason: 'no DISPLAY or WAYLAND_DISPLAY: this looks like a headless Linux' };
  }
  return LAUNCH_BROWSER;
}

export function defaultOAuthDeps(options: DefaultOAuthOptions): OAuthDeps {
  return {
    browser: browserPolicy({
      env: options.env,
      platform: options.platform ?? process.platform,
      systemBrowser: options.overrides?.io === undefined,
      ...(options.noBrowser ? { noBrowser: true } : {}),
    }),
    mcpoHome: resolveMcpoHome(options.env, homedir()),
    logger: options.logger,
    // Getters: touching process.stdin opens it, which mcpo must not do unless a paste prompt needs it.
    io: {
      get output() {
        return process.stderr;
      },
      get input() {
        return process.stdin;
      },
      get isTTY() {
        return process.stdin.isTTY === true;
      },
      openBrowser: openInSystemBrowser,
    },
    ...options.overrides,
  };
}

export function createDefaultOAuthSupport(options: DefaultOAuthOptions): OAuthSupport {
  return new OAuthSupport(defaultOAuthDeps(options));
}
