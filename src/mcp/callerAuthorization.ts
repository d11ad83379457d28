/** The answer to a user who has not connected a per-user server (its own module: the Manager loads it before the SDK). */
import { CallerNeedsAuthorizationError } from '../errors.js';

/**
 * 401 NEEDS_AUTHORIZATION: `user` has not connected the per-user server `server` (or their credentials stopped
 * working). The message is written for a chat model to relay to the user as it is.
 */
export function callerNeedsAuthorization(server: string, user: string, authorizationUrl: string | undefined): CallerNeedsAuthorizationError {
  const message = authorizationUrl
    ? `To use ${server}, open ${authorizationUrl} and approve access, then ask again.`
    : `To use ${server}, you must first connect your account; mcpo cannot make the link yet (it is still starting): ask again in a moment.`;
  return new CallerNeedsAuthorizationError(message, { details: { server, user, ...(authorizationUrl ? { authorizationUrl } : {}) } });
}
