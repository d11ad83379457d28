/**
 * Binds the HTTP layer to a socket (HTTP, or HTTPS when a certificate is given): every request goes to the tool
 * route first, and what it does not claim to the Hono app through @hono/node-server.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { McpoError } from '../errors.js';
import type { NodeHandler } from './nodeToolRoute.js';

/**
 * While closing, how often connections that have fallen idle are closed. Node's server.close() closes the ones
 * idle at that moment only: a keep-alive connection whose response ends later would stay open until its
 * keep-alive timeout (5 s), and hold up the exit.
 */
const IDLE_SWEEP_MS = 25;

export interface ListenOptions {
  host: string;
  /** 0 picks a free port; the result says which. */
  port: number;
  /** PEM certificate chain and private key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Sees every request first; what it does not take goes to `app` (createApp's toolRoute). */
  toolRoute?: NodeHandler;
}

export interface Listening {
  /** Base URL, e.g. http://127.0.0.1:8000 (IPv6 hosts in brackets). */
  url: string;
  port: number;
  /**
   * Stops accepting connections and closes each open one as soon as it is idle (requests arriving on one meanwhile
   * are answered with `Connection: close`); resolves once every connection has ended. How long in-flight
   * requests may take is the caller's decision (src/shutdown.ts): closeAllConnections() ends them.
   */
  close(): Promise<void>;
  /** Ends every connection still open, requests in flight included. */
  closeAllConnections(): void;
}

/** The socket could not be bound: port in use, not permitted, or address not on this machine. */
export class ListenError extends McpoError {
  constructor(message: string, host: string, port: number, cause: unknown) {
    // USAGE: the fix is a different --host/--port, and the CLI exits 2 for usage errors.
    super('USAGE', message, { details: { host, port }, cause });
  }
}

function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new ListenError(`Cannot listen on ${where}: the address is already in use (choose another --port)`, host, port, error);
    case 'EACCES':
      return new ListenError(`Cannot listen on ${where}: permission denied (ports below 1024 need privileges)`, host, port, error);
    case 'EADDRNOTAVAIL':
      return new ListenError(`Cannot listen on ${where}: the address is not available on this machine`, host, port, error);
    default:
      return error;
  }
}

/** Serves `app` on host:port; rejects with ListenError when the address cannot be bound. */
export async function listen(app: Hono, options: ListenOptions): Promise<Listening> {
  const { host, tls } = options;
  // By default @hono/node-server swaps the global Response for a lighter class; then the SDK's
  // `instanceof Response` checks fail on real fetch responses and every OAuth error response reads as
  // "invalid", turning a refused refresh (invalid_grant) into an endless retry. Keep the globals.
  const appListener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  const { toolRoute } = options;
  let closing: Promise<void> | undefined;
  const listener: RequestListener = (incoming, outgoing) => {
    if (closing) outgoing.shouldKeepAlive = false;
    if (!toolRoute?.(incoming, outgoing)) void appListener(incoming, outgoing);
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenFailure(error, host, options.port));
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      sweep.unref();
      server.close(() => {
        clearInterval(sweep);
        resolve();
      });
    });
    return closing;
  };
  return { url, port, close, closeAllConnections: () => server.closeAllConnections() };
}
