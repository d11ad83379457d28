/**
 * `client_header_forwarding` of the Python mcpo: which headers of the REST request mcpo receives are
 * passed on to the MCP server (the Python mcpo puts them in the tool call's `_meta.headers`).
 *
 *   "client_header_forwarding": { "enabled": true, "whitelist": ["X-User-*"], "blacklist": ["X-User-Secret"] }
 *
 * Patterns are a header name, a prefix ending in `*`, or `*`. Only the file format and its
 * normalization live here; the forwarding itself is built on HeaderForwarding.
 */
import { z } from 'zod';

/** A header name (RFC 9110 token without `*`), optionally ending in `*`; or `*` alone. */
const HEADER_PATTERN = /^(\*|[!#$%&'+.^_`|~0-9A-Za-z-]+\*?)$/;

const patternSchema = z.string().regex(HEADER_PATTERN, 'must be a header name, a prefix ending in "*" (like "X-User-*") or "*"');

export const headerForwardingSchema = z.object({
  /** Default false, as in the Python mcpo: without `"enabled": true` nothing is forwarded. */
  enabled: z.boolean().optional(),
  /** Headers to forward. Absent or empty: every header (the Python mcpo's rule). */
  whitelist: z.array(patternSchema).optional(),
  /** Headers never forwarded, even when the whitelist matches. */
  blacklist: z.array(patternSchema).optional(),
  /** Log the names (never the values) of forwarded and refused headers at debug level. */
  debug_headers: z.boolean().optional(),
});

export type HeaderForwardingFile = z.infer<typeof headerForwardingSchema>;

/** An enabled `client_header_forwarding`, normalized. Patterns are lowercase: header names are case-insensitive. */
export interface HeaderForwarding {
  /** Forward headers matching one of these (`*` = any; `x-user-*` = prefix). From `whitelist`; ["*"] when it is absent or empty. */
  allow: string[];
  /** Never forward headers matching one of these, whatever `allow` says. From `blacklist`. */
  deny: string[];
  /** From `debug_headers`. */
  logNames: boolean;
}

/** The normalized setting, or undefined when forwarding is not enabled. */
export function normalizeHeaderForwarding(file: HeaderForwardingFile | undefined): HeaderForwarding | undefined {
  if (!file?.enabled) return undefined;
  const lower = (patterns: readonly string[] | undefined) => (patterns ?? []).map((pattern) => pattern.toLowerCase());
  const allow = lower(file.whitelist);
  return { allow: allow.length > 0 ? allow : ['*'], deny: lower(file.blacklist), logNames: file.debug_headers ?? false };
}
