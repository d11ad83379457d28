/**
 * Keeping OAuth secrets out of error messages. The SDK builds some messages from what the authorization
 * server answered ("Raw body: …"); a server or proxy that echoes the request puts the refresh token, the
 * code, the PKCE verifier or the client secret there, and mcpo shows error messages (and their causes) in
 * logs, /healthz and 503 bodies. So errors from authorization-server requests are rebuilt with every known
 * secret value, in the spellings a request carries it (raw, percent- and form-encoded, inside a Basic
 * header), replaced by [redacted], and `key=value` pairs of OAuth secret parameters masked whatever their value.
 */
import { REDACTED } from '../log/logger.js';

// OAuth parameters that carry secrets (RFC 6749 §4.1.3, §6, RFC 7636 §4.5, RFC 7009 §2.1).
const SECRET_PARAMETER = /\b(access_token|refresh_token|id_token|code|code_verifier|client_secret|token|assertion)=([^&\s"',;]+)/g;
const CREDENTIAL_HEADER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/** `text` with each secret (and its encodings) and each OAuth secret parameter value replaced by [redacted]. */
export function scrubSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    for (const spelling of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
      out = out.split(spelling).join(REDACTED);
    }
  }
  return out.replace(SECRET_PARAMETER, `$1=${REDACTED}`).replace(CREDENTIAL_HEADER, `$1 ${REDACTED}`);
}

/**
 * An Error carrying only the scrubbed message of `error` (and of its causes, joined), without the original
 * as cause: mcpo prints causes' messages too (mcp/callErrors.ts), so the original must not travel along.
 */
export function scrubbedError(error: unknown, secrets: Iterable<string | undefined>): Error {
  const list = [...secrets];
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; e = e instanceof Error ? e.cause : undefined, depth++) {
    const message = e instanceof Error ? e.message || e.name : String(e);
    if (message && !messages.some((m) => m.includes(message))) messages.push(message);
  }
  const scrubbed = new Error(scrubSecrets(messages.join(': '), list));
  scrubbed.name = error instanceof Error ? error.name : 'Error';
  return scrubbed;
}
