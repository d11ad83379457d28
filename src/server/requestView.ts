/**
 * A request as the tool route reads it, whatever serves it: headers by name, the body within a limit, and a
 * signal for the client going away. The node:http implementation is nodeRequest.ts.
 */

/** A request header by lower-case name, every line of it joined with ", "; undefined when absent. */
export type HeaderLookup = (name: string) => string | undefined;
