/**
 * The real edges of the OAuth client for a running mcpo: tokens under the mcpo home (MCPO_HOME or
 * ~/.mcpo), prompts on stderr, pasted codes from stdin, the system browser via the `open` package.
 * Tests build OAuthSupport with their own OAuthDeps instead.
 */
import { homedir } from 'node:os';
import open from 'open';
import type { Logger } from '../log/logger.js';
import { OAuthSupport, type OAuthDeps } from './setup.js';
import { resolveMcpoHome } from './store/paths.js';

export interface DefaultOAuthOptions {
  /** The environment (MCPO_HOME is read from it). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Overrides of the defaults (e.g. a test's openBrowser). */
  overrides?: Partial<OAuthDeps>;
}

/** The `open` package, with failures (no desktop, headless server) left to the caller to report. */
export async function openInSystemBrowser(url: string): Promise<void> {
  const child = await open(url);
  child.on('error', () => {}); // a missing xdg-open must not crash mcpo: the printed URL still works
  child.unref();
}

export function defaultOAuthDeps(options: DefaultOAuthOptions): OAuthDeps {
  return {
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
