/**
 * Every use mcpo makes of what the MCP SDK does not promise to keep: functions it marks `@internal`, private
 * fields of its stdio transport, and a duck-typed stand-in for the AbortSignal its Protocol takes. Nothing else in
 * mcpo reaches past the SDK's public API. The SDK is pinned to one exact version (package.json), and
 * test/mcp/sdkInternals.test.ts checks each of these by name against the installed SDK: after an upgrade, a
 * failure there says which one moved.
 *
 * Not imported by src/server, which runs before the SDK is loaded: the HTTP layer builds its call signal as a
 * CallSignal (types.ts), and it becomes the SDK's AbortSignal here, where the MCP layer hands it over.
 */
import type { ChildProcess } from 'node:child_process';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { CallSignal } from './types.js';

/**
 * `@internal` in the SDK's shared/transport.js, which its own HTTP transports and OAuth use:
 * - `fetchWithinOrigin(fetch)`: the fetch, following a redirect only within the request's origin (at most 5, and
 *   301/302/303 only for GET); any other redirect comes back unfollowed. mcpo's streamable-HTTP transport and its
 *   OAuth probe and revocation requests follow redirects by the SDK's rule through it.
 * - `unfollowedRedirect(response, url)`: the text naming a redirect fetchWithinOrigin left unfollowed (its target
 *   without userinfo, query or fragment), or undefined when `response` is no redirect.
 * - `isWithinOrigin(from, to)`: whether `to` is on the origin of `from` (or its https form on default ports); where
 *   mcpo's OAuth fetch sends the access token.
 */
export { fetchWithinOrigin, isWithinOrigin, unfollowedRedirect } from '@modelcontextprotocol/sdk/shared/transport.js';

/** What StdioClientTransport keeps in private fields and mcpo reads or replaces. */
interface StdioTransportPrivates {
  /** The child, from start() until close() (or its exit); the SDK exposes only its pid. */
  _process?: ChildProcess;
  /** The SDK's ReadBuffer, which start()'s stdout handler appends to and reads messages from. */
  _readBuffer?: unknown;
}

/** The interface of the SDK's ReadBuffer (shared/stdio.js), as the stdio transport calls it. */
export interface StdioReadBuffer {
  append(chunk: Buffer): void;
  /** The next whole line's message; null until one is complete. Throws for a line that is no message. */
  readMessage(): JSONRPCMessage | null;
  clear(): void;
}

function privates(transport: StdioClientTransport): StdioTransportPrivates {
  return transport as unknown as StdioTransportPrivates;
}

/** The child process of a started StdioClientTransport (private `_process`); undefined before start and after close. */
export function stdioChild(transport: StdioClientTransport): ChildProcess | undefined {
  return privates(transport)._process;
}

/**
 * Puts `buffer` in the place of the transport's read buffer (private `_readBuffer`), so lines from the child go
 * through it. Returns false, leaving the SDK's own buffer, if the field does not hold one.
 */
export function replaceStdioReadBuffer(transport: StdioClientTransport, buffer: StdioReadBuffer): boolean {
  const fields = privates(transport);
  if (!isReadBuffer(fields._readBuffer)) return false;
  fields._readBuffer = buffer;
  return true;
}

/** The transport's read buffer (private `_readBuffer`), when it holds one. */
export function stdioReadBuffer(transport: StdioClientTransport): StdioReadBuffer | undefined {
  const buffer = privates(transport)._readBuffer;
  return isReadBuffer(buffer) ? buffer : undefined;
}

function isReadBuffer(value: unknown): value is StdioReadBuffer {
  const buffer = value as Partial<StdioReadBuffer> | null | undefined;
  return typeof buffer?.append === 'function' && typeof buffer.readMessage === 'function' && typeof buffer.clear === 'function';
}

/**
 * A call's signal as the SDK's Protocol.request takes it (RequestOptions.signal, typed AbortSignal). Protocol.request
 * reads `aborted`, `reason`, `throwIfAborted()` and `addEventListener('abort')` of it and nothing else, so a
 * CallSignal that is not a real AbortSignal (src/server/disconnectSignal.ts) serves.
 */
export function protocolSignal(signal: CallSignal): AbortSignal {
  return signal as unknown as AbortSignal;
}
