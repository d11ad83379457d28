/** The RFC 9207 §2.4 rules for one authorization response, and the paste flow's prompt when a code alone is not enough. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { interpretCallback, type ExpectedIssuer } from '../../src/oauth/callbackParams.js';
import { AuthorizationResponseIssuerError, StateMismatchError } from '../../src/oauth/errors.js';
import { interpretPastedLine, PASTE_PROMPT, PASTE_URL_PROMPT, readAuthorizationCodeFromTerminal } from '../../src/oauth/paste.js';

const STATE = 'state-1';
const AS: ExpectedIssuer = { issuer: 'https://as.example/tenant', required: true };
const params = (query: Record<string, string | string[]>) =>
  new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])));

describe('issuer check of an authorization response', () => {
  it('accepts the exact issuer, form-decoded', () => {
    const query = new URLSearchParams(`code=c&state=${STATE}&iss=https%3A%2F%2Fas.example%2Ftenant`);
    expect(interpretCallback(query, STATE, AS)).toEqual({ ok: true, code: 'c' });
  });

  it.each([
    ['a trailing slash', 'https://as.example/tenant/'],
    ['another case', 'https://AS.example/tenant'],
    ['another server', 'https://attacker.example/tenant'],
  ])('refuses an issuer differing by %s (simple string comparison)', (_what, iss) => {
    const outcome = interpretCallback(params({ code: 'c', state: STATE, iss }), STATE, AS);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error).toBeInstanceOf(AuthorizationResponseIssuerError);
  });

  it('refuses a repeated iss even when one of them is right', () => {
    const outcome = interpretCallback(params({ code: 'c', state: STATE, iss: [AS.issuer, 'https://attacker.example'] }), STATE, AS);
    expect(outcome.ok).toBe(false);
  });

  it('checks state before the issuer, so a stale tab is still reported as one', () => {
    const outcome = interpretCallback(params({ code: 'c', state: 'old', iss: 'https://attacker.example' }), STATE, AS);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(StateMismatchError);
  });

  it('accepts a response without iss only when the server does not promise one', () => {
    expect(interpretCallback(params({ code: 'c', state: STATE }), STATE, { ...AS, required: false })).toEqual({ ok: true, code: 'c' });
    const outcome = interpretCallback(params({ code: 'c', state: STATE }), STATE, AS);
    expect(!outcome.ok && outcome.error).toMatchObject({ reason: 'issuer_response_mismatch', expected: AS.issuer, received: undefined });
  });
});

describe('pasting when the server names itself', () => {
  it('asks again for the full URL instead of taking a bare code', () => {
    expect(interpretPastedLine('bare-code', STATE, AS)).toMatchObject({ kind: 'retry', message: expect.stringContaining('paste the full URL') });
    expect(interpretPastedLine('bare-code', STATE, { ...AS, required: false })).toEqual({ kind: 'code', code: 'bare-code' });
  });

  it('prompts for the URL only, not "or just the code"', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const result = readAuthorizationCodeFromTerminal({ input, output, isTTY: true, expectedState: STATE, expectedIssuer: AS, authorizationUrl: 'https://as.example/authorize' });
    input.write(`http://127.0.0.1:3030/callback?code=c&state=${STATE}&iss=${encodeURIComponent(AS.issuer)}\n`);
    expect(await result).toEqual({ code: 'c' });
    expect(printed).toContain(PASTE_URL_PROMPT);
    expect(printed).not.toContain(PASTE_PROMPT);
  });
});
