/**
 * The rules of a tool call's JSON body. The request view reads it within the limit (tooLarge, BodyAbortedError,
 * counting the bytes received, not trusting Content-Length alone); parseArguments judges what was read.
 *
 * - No bytes (or only whitespace) → {} so tools without parameters can be called with a bare POST.
 * - A body with a non-JSON Content-Type is parsed as JSON when it comes from a non-browser client (no
 *   Origin and no Sec-Fetch-* header: `curl -d '{...}'` sends a form type by default), and refused with
 *   415 when a browser sent it: cross-site HTML forms and no-cors fetches can post form, text/plain or
 *   empty bodies without a CORS preflight, and must not be able to call tools on a local mcpo. A browser
 *   may leave out the body only for a same-origin request (Sec-Fetch-Site, which pages cannot forge).
 * - Invalid UTF-8 or JSON → 400 BAD_REQUEST; valid JSON that is not an object → 422 VALIDATION_FAILED.
 * - A number out of range of a double (`1e400`, which JSON.parse makes Infinity and JSON.stringify null) →
 *   422 VALIDATION_FAILED naming its path (bodyValues.ts).
 * - More than `limitBytes` → 413 PAYLOAD_TOO_LARGE, before parsing.
 * - The connection closed before the body ended → CANCELLED (BodyAbortedError): nobody is left to answer.
 * - Nested deeper than MAX_BODY_DEPTH → 400 BAD_REQUEST (bodyValues.ts).
 */
import { McpoError, ValidationError } from '../errors.js';
import { refuseUnforwardableValues } from './bodyValues.js';
import type { HeaderLookup } from './requestView.js';

/** One for every request: decode() without `stream` keeps no state between calls. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Default request body limit: 10 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export { MAX_BODY_DEPTH } from './bodyValues.js';

/**
 * 413 PAYLOAD_TOO_LARGE for a body over `limitBytes`. With `Connection: close`: the rest of the body may still
 * be arriving, and reading it to the end (to keep the connection) would let a client stream without end.
 */
export function tooLarge(limitBytes: number): McpoError {
  return new McpoError('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${limitBytes} bytes`, {
    details: { limitBytes },
    headers: { Connection: 'close' },
  });
}

/** The client closed the connection before its body arrived: there is nobody left to answer. */
export class BodyAbortedError extends McpoError {
  constructor() {
    super('CANCELLED', 'The client closed the connection before sending the whole request body');
  }
}

function isJsonContentType(contentType: string): boolean {
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[\w.+-]+\+json$/.test(essence);
}

/** Browsers mark every request they send with Origin (on POST) or Sec-Fetch-* headers; curl and SDKs send neither. */
function sentByBrowser(header: HeaderLookup): boolean {
  return header('origin') !== undefined || header('sec-fetch-site') !== undefined || header('sec-fetch-mode') !== undefined;
}

/** A browser request whose body, or lack of one, a page on another site could have sent without a preflight. */
function unsafeBrowserBody(header: HeaderLookup, empty: boolean): boolean {
  if (!sentByBrowser(header)) return false;
  const contentType = header('content-type');
  if (contentType !== undefined && isJsonContentType(contentType)) return false;
  return !(empty && header('sec-fetch-site') === 'same-origin');
}

/** The tool arguments in a request body already read (`bytes`), judged with the request's headers. */
export function parseArguments(bytes: Uint8Array, header: HeaderLookup): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new McpoError('BAD_REQUEST', 'Request body is not valid UTF-8', { cause: error });
  }
  const empty = text.trim() === '';
  if (unsafeBrowserBody(header, empty)) {
    const contentType = header('content-type') ?? null;
    throw new McpoError('UNSUPPORTED_MEDIA_TYPE', 'Send the tool arguments as JSON with "Content-Type: application/json"', {
      details: { contentType },
    });
  }
  if (empty) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new McpoError('BAD_REQUEST', `Request body is not valid JSON: ${reason}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError(
      [{ path: '', message: 'must be a JSON object whose properties are the tool arguments' }],
      'Request body must be a JSON object',
    );
  }
  refuseUnforwardableValues(parsed);
  return parsed as Record<string, unknown>;
}
