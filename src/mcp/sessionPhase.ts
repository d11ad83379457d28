/**
 * The states of one server's session, as a tagged union: what each state holds is only there in that
 * state (a client only when ready, a retry time only when reconnecting), so a ready session without a
 * client, or a stopped one with a retry pending, cannot be written.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ServerState } from './types.js';

export type SessionPhase =
  /** A connect attempt is under way (or about to start). */
  | { readonly state: 'connecting' }
  /** Connected, tools listed; calls go to `client`. */
  | { readonly state: 'ready'; readonly client: Client }
  /**
   * The last attempt failed or the connection was lost: attempt `attempt` runs at `nextAttemptAt` (the session's
   * clock), or sooner when a call comes and `onDemand` (not after a refused tool list).
   */
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly nextAttemptAt: number; readonly onDemand: boolean; readonly error: string }
  /** Waiting for the user to complete an OAuth authorization. */
  | { readonly state: 'needs_authorization' }
  /** No automatic retry (the user did not complete an authorization): the next call starts a new attempt. */
  | { readonly state: 'failed'; readonly error: string }
  | { readonly state: 'stopping' }
  | { readonly state: 'stopped' };

export type PhaseName = SessionPhase['state'];

/** The name /healthz and the HTTP layer see: `connected` has always been the ready state's public name. */
export function publicState(phase: SessionPhase): ServerState {
  return phase.state === 'ready' ? 'connected' : phase.state;
}

/** Every state a session can leave for `stopping`. */
export const LIVE_PHASES: readonly PhaseName[] = ['connecting', 'ready', 'reconnecting', 'needs_authorization', 'failed'];

/** Why a session in `phase` cannot take a call now, for its 503. */
export function whyNotReady(phase: SessionPhase): string {
  switch (phase.state) {
    case 'stopping':
    case 'stopped':
      return 'the server was stopped';
    case 'connecting':
      return 'still connecting';
    case 'reconnecting':
    case 'failed':
      return `${phase.state}: ${phase.error}`;
    default:
      return phase.state;
  }
}
