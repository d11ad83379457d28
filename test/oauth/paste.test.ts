import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuthorizationResponseError, McpoOAuthError, NoTerminalError, OAuthCancelledError } from '../../src/oauth/errors.js';
import { PASTE_PROMPT, PIPED_INPUT_NOTICE, readAuthorizationCodeFromTerminal } from '../../src/oauth/paste.js';
import { rejection } from './rejection.js';

const STATE = 'st-123';
const AUTH_URL = 'https://as.example/authorize?client_id=c&state=st-123&code_challenge=x';
const CALLBACK = 'http://127.0.0.1:3030/callback';

function terminal(isTTY = true) {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const run = (signal?: AbortSignal) =>
    readAuthorizationCodeFromTerminal({ input, output, isTTY, expectedState: STATE, authorizationUrl: AUTH_URL, signal });
  return { input, run, printed: () => printed };
}

describe('copy/paste authorization', () => {
  it('prints the authorization URL on its own line, then accepts the pasted callback URL', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write(`${CALLBACK}?code=abc&state=${STATE}\n`);
    expect(await result).toEqual({ code: 'abc' });
    expect(t.printed().split('\n')).toContain(AUTH_URL);
    expect(t.printed()).toContain(PASTE_PROMPT);
  });

  it('accepts a bare code', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write('  bare-code_123  \r\n');
    expect(await result).toEqual({ code: 'bare-code_123' });
  });

  it('accepts a pasted query string', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write(`?code=q1&state=${STATE}\n`);
    expect(await result).toEqual({ code: 'q1' });
  });

  it('explains a tampered or stale state and asks again', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write(`${CALLBACK}?code=stolen&state=other\n${CALLBACK}?code=good&state=${STATE}\n`);
    expect(await result).toEqual({ code: 'good' });
    expect(t.printed()).toContain('does not carry the state of this login');
    expect(t.printed().split(PASTE_PROMPT)).toHaveLength(3);
  });

  it('says "No authorization code found" for a URL without a code and asks again', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write(`${CALLBACK}?state=${STATE}\n`);
    t.input.write('\n'); // an empty line just asks again
    t.input.write('then-the-code\n');
    expect(await result).toEqual({ code: 'then-the-code' });
    expect(t.printed()).toContain('No authorization code found');
    expect(t.printed().split(PASTE_PROMPT)).toHaveLength(4);
  });

  it('asks again for text that is neither a code nor a URL', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write('I do not know\nhttp://[bad\nc0de\n');
    expect(await result).toEqual({ code: 'c0de' });
    expect(t.printed()).toContain('does not look like an authorization code');
    expect(t.printed()).toContain('not a valid URL');
  });

  it('ends with the OAuth error when the pasted URL carries error=access_denied', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write(`${CALLBACK}?error=access_denied&error_description=nope&state=${STATE}\n`);
    const err = await rejection(result);
    expect(err).toBeInstanceOf(AuthorizationResponseError);
    expect(err.reason).toBe('access_denied');
  });

  it('fails with a clear no_terminal error when input ends instead of hanging', async () => {
    const t = terminal();
    const result = t.run();
    t.input.end();
    const err = await rejection(result);
    expect(err).toBeInstanceOf(NoTerminalError);
    expect(err.reason).toBe('no_terminal');
    expect(err.message).toContain('mcpo auth login');
    expect(err.message).toContain('loopback');
  });

  it('fails at once when non-interactive input has already ended', async () => {
    const t = terminal(false);
    t.input.end();
    t.input.resume();
    await once(t.input, 'end');
    expect(await rejection(t.run())).toBeInstanceOf(NoTerminalError);
  });

  it('still reads a piped callback URL when input is not a terminal, without the interactive prompt', async () => {
    const t = terminal(false);
    const result = t.run();
    t.input.end(`${CALLBACK}?code=piped&state=${STATE}\n`);
    expect(await result).toEqual({ code: 'piped' });
    expect(t.printed()).toContain(PIPED_INPUT_NOTICE);
    expect(t.printed()).not.toContain(PASTE_PROMPT);
  });

  it('stops waiting when aborted (e.g. the loopback receiver got the code first)', async () => {
    const t = terminal();
    const controller = new AbortController();
    const result = t.run(controller.signal);
    controller.abort();
    expect(await rejection(result)).toBeInstanceOf(OAuthCancelledError);
  });

  // Security review: readline kept a runaway line in memory and took 1 MB of junk for the code.
  it('ignores a huge pasted line without keeping it, says so, and still accepts the next paste', async () => {
    const t = terminal();
    const result = t.run();
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 32; i++) t.input.write(chunk); // 2 MB without a newline
    t.input.write('\n');
    t.input.write(`${CALLBACK}?code=after-junk&state=${STATE}\n`);
    expect(await result).toEqual({ code: 'after-junk' });
    expect(t.printed()).toContain('far too long');
    expect(t.printed().length).toBeLessThan(2000);
  });

  it('does not take binary or terminal escape sequences for a code', async () => {
    const t = terminal();
    const result = t.run();
    t.input.write(Buffer.from([0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x63, 0x6f, 0x64, 0x65, 0xff, 0xfe, 0x0a]));
    t.input.write('\u00e9t\u00e9\n');
    t.input.write('real-code\n');
    expect(await result).toEqual({ code: 'real-code' });
    expect(t.printed().split('does not look like an authorization code')).toHaveLength(3);
  });

  it('fails with no_terminal when input ends in the middle of a huge line', async () => {
    const t = terminal(false);
    const result = t.run();
    t.input.end('y'.repeat(200_000));
    expect(await rejection(result)).toBeInstanceOf(NoTerminalError);
    expect(t.printed()).toContain('far too long');
  });
});
