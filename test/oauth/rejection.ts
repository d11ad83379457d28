import { expect } from 'vitest';
import { McpoOAuthError } from '../../src/oauth/errors.js';

/** The McpoOAuthError `promise` rejects with (the test fails if it resolves or rejects with something else). */
export async function rejection(promise: Promise<unknown>): Promise<McpoOAuthError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpoOAuthError);
  return err as McpoOAuthError;
}
