/** The 503 of a server that exists but cannot take calls now, apart from the SDK (the Manager needs it before the SDK loads). */
import { McpoError } from '../errors.js';

/** 503 with Retry-After: the server exists but cannot take calls right now. */
export function unavailable(server: string, why: string, cause?: unknown, retryAfterSeconds = 5): McpoError {
  return new McpoError('SERVER_UNAVAILABLE', `Server ${server} is unavailable: ${why}`, {
    details: { server },
    headers: { 'Retry-After': String(retryAfterSeconds) },
    cause,
  });
}
