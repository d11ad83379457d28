/**
 * A request as the tool route reads it, whatever serves it: headers by name, the body within a limit, and a
 * signal for the client going away. The node:http implementation is nodeRequest.ts.
 */
import type { CallSignal } from '../mcp/types.js';

/** A request header by lower-case name, every line of it joined with ", "; undefined when absent. */
export type HeaderLookup = (name: string) => string | undefined;

export interface RequestView {
  /** A header by lower-case name, as HeaderLookup; of several Host lines, the first. */
  header(name: string): string | undefined;
  /** Every header line as [name, value], as sent: for client_header_forwarding. */
  headerLines(): Iterable<readonly [string, string]>;
  /**
   * The body, at most `limitBytes` long: more (declared or sent) rejects with 413 PAYLOAD_TOO_LARGE (tooLarge);
   * a client that leaves before its end rejects with BodyAbortedError. Read once.
   */
  body(limitBytes: number): Promise<Uint8Array>;
  /**
   * Aborts when the client goes away before the answer is written (reason: an Error), or when mcpo stops the calls
   * in flight while it shuts down (reason: the 503 to answer with). The same signal every time it is asked for.
   */
  signal(): CallSignal;
}
