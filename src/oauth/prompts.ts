/**
 * How mcpo talks to the user during authorizations: where the authorization URL is printed, how the
 * browser is opened, where pasted codes come from, and the queue that keeps several servers' prompts from
 * interleaving. Copy/paste prompts share the terminal, so they run one at a time; loopback authorizations
 * on the same callback_port must too (one listener per port); loopback ones on distinct ports (or port 0)
 * wait in parallel, each URL printed under the name of its server.
 */
import { KeyedMutex } from './store/mutex.js';

/** Opens a URL in the user's browser (the `open` package by default; tests drive a headless browser). */
export type OpenBrowser = (url: string) => Promise<unknown> | unknown;

export interface PromptIo {
  /** Where authorization URLs and prompts go (stderr: stdout stays clean). */
  output: NodeJS.WritableStream;
  /** Where the paste flow reads from (stdin). */
  input: NodeJS.ReadableStream;
  /** Whether `input` is an interactive terminal. */
  isTTY: boolean;
  /** Opens the browser for loopback flows. Failures are reported, the printed URL still works. */
  openBrowser: OpenBrowser;
}

/**
 * Whether a loopback authorization launches the browser. When not, `reason` is printed with the URL
 * (e.g. "--no-browser", or a headless Linux without a display), so the user knows to open it themselves.
 */
export type BrowserPolicy = { launch: true } | { launch: false; reason: string };

/** Launch the browser (the `open` package, or the test's OpenBrowser). */
export const LAUNCH_BROWSER: BrowserPolicy = { launch: true };

/** Serializes the interactive part of authorizations by key. */
export class PromptQueue {
  private readonly mutex = new KeyedMutex();

  /** Runs `fn` after earlier holders of `key`; undefined key: at once. */
  run<T>(key: string | undefined, fn: () => Promise<T>): Promise<T> {
    return key === undefined ? fn() : this.mutex.run(key, fn);
  }
}

/** The queue key of an authorization: the terminal for copy/paste, the port for loopback (none for port 0). */
export function promptKey(useLoopback: boolean, callbackPort: number): string | undefined {
  if (!useLoopback) return 'terminal';
  return callbackPort === 0 ? undefined : `loopback:${callbackPort}`;
}

/**
 * The lines printed for a loopback authorization: the URL alone on its line, so it can be copied whole.
 * `browser`: whether mcpo tries to open it (else why not, said on its own line first).
 */
export function announcement(serverName: string, url: string, reason: string, browser: BrowserPolicy = LAUNCH_BROWSER): string {
  const how = browser.launch ? 'Open this URL in a browser if it did not open by itself' : 'Open this URL in a browser';
  const note = browser.launch ? '' : `mcpo: not opening a browser (${browser.reason}).\n`;
  return `\n${note}mcpo: server "${serverName}" needs authorization (${reason}). ${how}:\n${url}\n\n`;
}

/**
 * The lines printed for a login that completes on mcpo's own port: the connections page, where a browser
 * starts it with Connect (the authorization URL itself is never printed: it carries `state`).
 */
export function connectionsAnnouncement(serverName: string, connectionsUrl: string, reason: string): string {
  return `\nmcpo: server "${serverName}" needs authorization (${reason}). Open the connections page and click Connect:\n${connectionsUrl}\n\n`;
}
