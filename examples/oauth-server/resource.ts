/**
 * The URLs of one running server and the RFC 8707 resource rules.
 *
 * Decision: a token is bound to the `resource` the client named, which may be
 * - the streamable-HTTP MCP URL (`<origin>/mcp`): the token works on /mcp only;
 * - the legacy SSE URL (`<origin>/sse`): the token works on /sse and its message endpoint /messages;
 * - the origin (`<origin>` or `<origin>/`): the token works on both transports.
 * A client that sends no `resource` gets a token bound to the origin, so clients that predate RFC 8707 still
 * work. Any other value is refused with `invalid_target` (RFC 8707 §2).
 */

/** Where each endpoint of a running server lives. */
export interface ServerUrls {
  /** Origin without trailing slash, e.g. http://127.0.0.1:8000 (also the issuer). */
  origin: string;
  /** Streamable-HTTP MCP endpoint and its resource identifier. */
  mcp: string;
  /** Legacy SSE endpoint and its resource identifier. */
  sse: string;
  /** RFC 9728 metadata of the /mcp resource. */
  mcpResourceMetadata: string;
  /** RFC 9728 metadata of the /sse resource. */
  sseResourceMetadata: string;
}

/** The MCP resources a token can be bound to. */
export type McpResource = 'mcp' | 'sse';

export function serverUrls(origin: string): ServerUrls {
  const base = origin.replace(/\/$/, '');
  return {
    origin: base,
    mcp: `${base}/mcp`,
    sse: `${base}/sse`,
    mcpResourceMetadata: `${base}/.well-known/oauth-protected-resource/mcp`,
    sseResourceMetadata: `${base}/.well-known/oauth-protected-resource/sse`,
  };
}

/** Serialized without fragment and without one trailing slash, so `<origin>` and `<origin>/` compare equal. */
function comparable(value: string | URL): string {
  const url = new URL(String(value));
  url.hash = '';
  return url.href.replace(/\/$/, '');
}

/**
 * The canonical resource a requested `resource` value stands for, or undefined when this server does not
 * serve it. Canonical values are `urls.origin`, `urls.mcp` and `urls.sse`.
 */
export function canonicalResource(urls: ServerUrls, requested: string | URL): string | undefined {
  let value: string;
  try {
    value = comparable(requested);
  } catch {
    return undefined;
  }
  return [urls.origin, urls.mcp, urls.sse].find((candidate) => comparable(candidate) === value);
}

/** True when a token bound to `boundResource` may be used on the `target` transport. */
export function resourceCovers(urls: ServerUrls, boundResource: string | URL | undefined, target: McpResource): boolean {
  if (boundResource === undefined) return false;
  const bound = canonicalResource(urls, boundResource);
  return bound === urls.origin || bound === urls[target];
}
