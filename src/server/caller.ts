/**
 * Who a request calls as. The operator is the one identity mcpo had before users existed (no key, or the
 * `--api-key`); a user is named by their own key (`users` in the config) or, on a request carrying the operator's
 * key, by the trusted front-end's identity header (`--user-header`). Per-user OAuth servers keep one session and
 * one set of tokens per user; every other server treats all callers alike.
 */
export type Caller =
  | { readonly kind: 'operator' }
  | { readonly kind: 'user'; readonly name: string; readonly via: 'key' | 'header' };

export const OPERATOR: Caller = Object.freeze({ kind: 'operator' });

/** The user name a call is made for: undefined for the operator. */
export function callerUser(caller: Caller): string | undefined {
  return caller.kind === 'user' ? caller.name : undefined;
}
