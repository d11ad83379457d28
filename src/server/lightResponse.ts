/**
 * @hono/node-server's lightweight Response class, for hot-path responses with a string body.
 *
 * Why: listen() keeps Node's global Response (overrideGlobalObjects: false, needed by the OAuth code), so
 * a handler's `c.body()` builds a real undici Response, and @hono/node-server can only send it by reading
 * its body back through a web ReadableStream (promises per chunk, sometimes a setTimeout). Its own light
 * class carries the status, headers and string body as plain values and is written with one `end()`.
 * It is an `instanceof Response` (its prototype chains to the global one) and turns itself into a real
 * Response when anything reads more than status/headers, so Hono and middleware see no difference.
 *
 * @hono/node-server does not export the class; it installs it as the global Response when a listener is
 * created with the default options. We create one such listener, take the class, and put the original
 * globals back, property descriptors included, before any other code runs.
 */
import { getRequestListener } from '@hono/node-server';
import { JSON_CONTENT_TYPE } from './answer.js';

function captureLightResponse(): typeof Response {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  const originalRequest = Object.getOwnPropertyDescriptor(globalThis, 'Request');
  const before = globalThis.Response;
  getRequestListener(() => new Response(null));
  const light = globalThis.Response;
  if (original) Object.defineProperty(globalThis, 'Response', original);
  if (originalRequest) Object.defineProperty(globalThis, 'Request', originalRequest);
  // Anything unexpected (a future version that stops swapping): fall back to the standard class.
  return light !== before && light.prototype instanceof before ? light : before;
}

/** Response class whose string-bodied instances @hono/node-server writes without a web stream. */
export const LightResponse: typeof Response = captureLightResponse();

/** A JSON response built with LightResponse (status, JSON text and extra headers as given). */
export function jsonResponse(body: string, status: number, headers: Record<string, string> = {}): Response {
  return new LightResponse(body, { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers } });
}
