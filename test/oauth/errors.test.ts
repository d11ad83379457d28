import { describe, expect, it } from 'vitest';
import { McpoError } from '../../src/errors.js';
import { AuthorizationFailedError, AuthorizationResponseError, CallbackPortInUseError, LockTimeoutError, RefreshUnavailableError } from '../../src/oauth/errors.js';
import { httpStatus } from '../../src/server/answer.js';

describe('OAuth errors', () => {
  it('are McpoErrors with code OAUTH_ERROR and the specific reason in their JSON details', () => {
    const err = new CallbackPortInUseError(3030);
    expect(err).toBeInstanceOf(McpoError);
    expect(err.code).toBe('OAUTH_ERROR');
    expect(httpStatus(err)).toBe(502);
    expect(err.name).toBe('CallbackPortInUseError');
    expect(err.toJSON()).toEqual({
      error: {
        code: 'OAUTH_ERROR',
        message: 'callback_port 3030 is in use; choose another in the oauth block or set 0',
        details: { reason: 'port_in_use', port: 3030 },
      },
    });
  });

  it('carry the authorization server’s error fields', () => {
    const err = new AuthorizationResponseError('invalid_request', 'bad redirect', 'https://as.example/e');
    expect(err.toJSON().error.details).toEqual({
      reason: 'authorization_error',
      error: 'invalid_request',
      error_description: 'bad redirect',
      error_uri: 'https://as.example/e',
    });
  });

  it('name the lock file on a lock timeout', () => {
    const err = new LockTimeoutError('/home/u/.mcpo/tokens/ab.lock', 45_000);
    expect(err.reason).toBe('lock_timeout');
    expect(err.message).toContain('/home/u/.mcpo/tokens/ab.lock');
  });

  it('render an unreachable token endpoint as 503 SERVER_UNAVAILABLE with Retry-After, and protocol failures as 502 OAUTH_ERROR', () => {
    const down = new RefreshUnavailableError(4, new Error('HTTP 503'));
    expect([down.code, httpStatus(down), down.headers?.['Retry-After']]).toEqual(['SERVER_UNAVAILABLE', 503, '10']);
    expect(down.toJSON().error.details).toMatchObject({ reason: 'refresh_unavailable', attempts: 4 });
    const refused = new AuthorizationFailedError(new Error('invalid_client'));
    expect([refused.code, httpStatus(refused)]).toEqual(['OAUTH_ERROR', 502]);
  });
});
