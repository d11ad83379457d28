/**
 * Interpreting an authorization response (RFC 6749 §4.1.2), shared by the loopback receiver and the
 * paste flow. The `state` check comes first, for errors too: an unverified `error=` could be forged
 * by any page the user visits, so it is reported as a state mismatch rather than trusted.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AuthorizationResponseError,
  MissingAuthorizationCodeError,
  StateMismatchError,
  type McpoOAuthError,
} from './errors.js';

export type CallbackOutcome = { ok: true; code: string } | { ok: false; error: McpoOAuthError };

/** Compares two state values in constant time (hashing first makes the lengths equal). */
export function statesEqual(received: string, expected: string): boolean {
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** What the query parameters of a redirect back from the authorization server mean for this flow. */
export function interpretCallback(params: URLSearchParams, expectedState: string): CallbackOutcome {
  const state = params.get('state');
  if (state === null || !statesEqual(state, expectedState)) return { ok: false, error: new StateMismatchError() };
  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description') ?? undefined;
    const uri = params.get('error_uri') ?? undefined;
    return { ok: false, error: new AuthorizationResponseError(error, description, uri) };
  }
  const code = params.get('code');
  if (!code) return { ok: false, error: new MissingAuthorizationCodeError() };
  return { ok: true, code };
}
