/**
 * Interpreting an authorization response (RFC 6749 §4.1.2), shared by the loopback receiver and the
 * paste flow. The `state` check comes first, for errors too: an unverified `error=` could be forged
 * by any page the user visits, so it is reported as a state mismatch rather than trusted.
 *
 * Then the issuer (RFC 9207 §2.4), also before `error=`: mcpo talks to several authorization servers, and
 * a response naming another issuer than the one this flow sent the user to is a mix-up attack (or a badly
 * mixed-up deployment). Its code must not be exchanged and its error must not be believed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  AuthorizationResponseError,
  AuthorizationResponseIssuerError,
  MissingAuthorizationCodeError,
  StateMismatchError,
  type McpoOAuthError,
} from './errors.js';

export type CallbackOutcome = { ok: true; code: string } | { ok: false; error: McpoOAuthError };

/** What an authorization response must say about its issuer (RFC 9207 §2.4). */
export interface ExpectedIssuer {
  /** The issuer identifier of the authorization server the request went to (its metadata's `issuer`). */
  issuer: string;
  /**
   * The server advertises authorization_response_iss_parameter_supported: a response without `iss` is
   * refused. When false, a response without `iss` is accepted; one with `iss` must still match.
   */
  required: boolean;
}

/** Compares two state values in constant time (hashing first makes the lengths equal). */
export function statesEqual(received: string, expected: string): boolean {
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * What the query parameters of a redirect back from the authorization server mean for this flow.
 * Without `expectedIssuer` (a caller that knows no issuer), `iss` is not checked.
 */
export function interpretCallback(params: URLSearchParams, expectedState: string, expectedIssuer?: ExpectedIssuer): CallbackOutcome {
  const state = params.get('state');
  if (state === null || !statesEqual(state, expectedState)) return { ok: false, error: new StateMismatchError() };
  const issuerError = expectedIssuer && checkIssuer(params, expectedIssuer);
  if (issuerError) return { ok: false, error: issuerError };
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

/**
 * RFC 9207 §2.4: `iss` (already form-decoded by URLSearchParams) must equal the expected issuer by simple
 * string comparison (RFC 3986 §6.2.1: no normalization). A repeated `iss` is refused: it has no single meaning.
 */
function checkIssuer(params: URLSearchParams, expected: ExpectedIssuer): AuthorizationResponseIssuerError | undefined {
  const received = params.getAll('iss');
  if (received.length === 0) return expected.required ? new AuthorizationResponseIssuerError(expected.issuer, undefined) : undefined;
  if (received.length === 1 && received[0] === expected.issuer) return undefined;
  return new AuthorizationResponseIssuerError(expected.issuer, received.join(', '));
}
