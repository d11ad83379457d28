/**
 * The copy/paste authorization flow, for when the browser cannot reach mcpo's loopback receiver
 * (mcpo on a remote host, in a container): mcpo prints the authorization URL, the user opens it anywhere,
 * and pastes back either the full URL they were redirected to or just the code.
 *
 * A pasted URL is checked like a loopback callback (state first, then error, then code). A wrong state
 * or a missing code is a paste mistake, not an attack on a listening socket, so the user is told what was
 * wrong and asked again; an `error=` from the authorization server ends the flow. A bare code cannot be
 * state-checked: that is the price of accepting it, and the user typed it themselves. Except when the
 * authorization server promises to name itself in its responses (RFC 9207,
 * authorization_response_iss_parameter_supported): a bare code cannot show which server issued it, so the
 * user is asked for the full URL, whose `iss` is checked (a wrong or missing one ends the flow).
 */
import { interpretCallback, type ExpectedIssuer } from './callbackParams.js';
import {
  MissingAuthorizationCodeError,
  NoTerminalError,
  OAuthCancelledError,
  StateMismatchError,
  type McpoOAuthError,
} from './errors.js';
import { readBoundedLines } from './lineReader.js';

export interface PasteFlowOptions {
  /** Where the user types (usually process.stdin). */
  input: NodeJS.ReadableStream;
  /** Where the URL and prompts go (usually process.stderr, keeping stdout clean). */
  output: NodeJS.WritableStream;
  /**
   * Whether `input` is an interactive terminal; it only changes the wording of the prompt. A non-TTY input
   * is still read (so a script can pipe the callback URL in); any input that has already ended or been
   * destroyed fails at once with NoTerminalError instead of waiting forever.
   */
  isTTY: boolean;
  /** The `state` sent in the authorization request. */
  expectedState: string;
  /** The issuer a pasted URL must name (RFC 9207). Default: `iss` is not checked and a bare code is accepted. */
  expectedIssuer?: ExpectedIssuer;
  /** The URL the user must open. */
  authorizationUrl: string | URL;
  /** Aborting rejects with OAuthCancelledError (e.g. when the loopback receiver got the code first). */
  signal?: AbortSignal;
}

export const PASTE_PROMPT = 'Paste the full URL you were redirected to (or just the code), then press Enter: ';
export const PIPED_INPUT_NOTICE = 'Reading the URL you were redirected to (or just the code) from standard input.\n';
/** The prompts when a bare code is not enough (the server names itself in its redirects, RFC 9207). */
export const PASTE_URL_PROMPT = 'Paste the full URL you were redirected to, then press Enter: ';
export const PIPED_URL_NOTICE = 'Reading the URL you were redirected to from standard input.\n';

type LineOutcome = { kind: 'code'; code: string } | { kind: 'retry'; message?: string } | { kind: 'fail'; error: McpoOAuthError };

const BARE_CODE_REFUSED =
  'This authorization server names itself in the URL it redirects to (RFC 9207), which a bare code cannot show: paste the full URL you were redirected to.';

const TOO_LONG: LineOutcome = { kind: 'retry', message: 'That input is far too long for a callback URL or a code; it was ignored.' };

/** Prints the authorization URL and reads lines until one yields an authorization code. */
export function readAuthorizationCodeFromTerminal(options: PasteFlowOptions): Promise<{ code: string }> {
  const { input, output, signal } = options;
  if (signal?.aborted) return Promise.reject(new OAuthCancelledError(undefined, signal.reason));
  if (isClosed(input)) return Promise.reject(new NoTerminalError());
  const urlOnly = options.expectedIssuer?.required === true;
  const prompt = options.isTTY ? (urlOnly ? PASTE_URL_PROMPT : PASTE_PROMPT) : urlOnly ? PIPED_URL_NOTICE : PIPED_INPUT_NOTICE;

  output.write(`\nOpen this URL in a browser to authorize mcpo:\n\n${String(options.authorizationUrl)}\n\n`);
  output.write(prompt);

  return new Promise((resolve, reject) => {
    let stop = (): void => {};
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      stop();
      fn();
    };
    const onAbort = (): void => settle(() => reject(new OAuthCancelledError(undefined, signal?.reason)));
    signal?.addEventListener('abort', onAbort, { once: true });

    stop = readBoundedLines({
      input,
      onLine: (read) => {
        if (settled) return;
        const outcome = read.tooLong ? TOO_LONG : interpretPastedLine(read.line, options.expectedState, options.expectedIssuer);
        if (outcome.kind === 'code') return settle(() => resolve({ code: outcome.code }));
        if (outcome.kind === 'fail') return settle(() => reject(outcome.error));
        if (outcome.message) output.write(`${outcome.message}\n`);
        output.write(prompt);
      },
      onClose: () => settle(() => reject(new NoTerminalError())),
    });
  });
}

/** What one pasted line means: a code, a mistake to explain before asking again, or the end of the flow. */
export function interpretPastedLine(line: string, expectedState: string, expectedIssuer?: ExpectedIssuer): LineOutcome {
  const text = line.trim();
  if (!text) return { kind: 'retry' };
  const params = pastedParams(text);
  if (params === 'invalid') return { kind: 'retry', message: 'That is not a valid URL.' };
  if (params === undefined) {
    // RFC 6749 Appendix A.11: a code is VSCHAR (printable ASCII); anything else is a paste accident (binary, escapes).
    if (!/^[\x21-\x7e]+$/.test(text)) return { kind: 'retry', message: 'That does not look like an authorization code or a callback URL.' };
    if (expectedIssuer?.required) return { kind: 'retry', message: BARE_CODE_REFUSED };
    return { kind: 'code', code: text };
  }
  const outcome = interpretCallback(params, expectedState, expectedIssuer);
  if (outcome.ok) return { kind: 'code', code: outcome.code };
  if (outcome.error instanceof StateMismatchError) {
    return {
      kind: 'retry',
      message: `That URL does not carry the state of this login (is it from an older attempt?). Paste the URL from this attempt${expectedIssuer?.required ? '' : ', or just the code'}.`,
    };
  }
  if (outcome.error instanceof MissingAuthorizationCodeError) {
    return { kind: 'retry', message: 'No authorization code found in that URL. Paste the URL you were redirected to after approving.' };
  }
  return { kind: 'fail', error: outcome.error };
}

/** Query parameters of a pasted URL or query string; undefined for anything else (a bare code). */
function pastedParams(text: string): URLSearchParams | 'invalid' | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      return new URL(text).searchParams;
    } catch {
      return 'invalid';
    }
  }
  if (text.startsWith('?') || /(^|&)(code|state|error)=/.test(text)) return new URLSearchParams(text.replace(/^\?/, ''));
  return undefined;
}

// A stream that already emitted 'end' (or was destroyed) will never emit it again: readline would wait forever.
function isClosed(stream: NodeJS.ReadableStream): boolean {
  const s = stream as Partial<{ readableEnded: boolean; destroyed: boolean }>;
  return s.readableEnded === true || s.destroyed === true;
}
