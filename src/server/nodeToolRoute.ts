/**
 * The tool route on node:http: the listener's first look at every request. A request the route claims is
 * answered here, from its Answer, with the request log line; every other request is left untouched for the app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { Answer } from './answer.js';
import { NodeRequest } from './nodeRequest.js';
import { logRequest } from './requestLog.js';
import type { ShuttingDown } from './shuttingDown.js';
import type { ToolRoute } from './toolRoute.js';

/** Answers a request and returns true, or returns false without touching it (the caller passes it on). */
export type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

export interface NodeToolRouteOptions {
  logger: Logger;
  /** Stops the calls in flight when mcpo shuts down: each request's signal listens to it. */
  shutdown: ShuttingDown;
}

/** Writes `answer` unless the connection is gone (the client left mid-body) or an answer was already started. */
function write(outgoing: ServerResponse, answer: Answer): void {
  if (outgoing.headersSent || outgoing.destroyed) return;
  outgoing.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(Buffer.byteLength(answer.body)) });
  outgoing.end(answer.body);
}

/** `route` as a node:http handler. */
export function nodeToolRoute(route: ToolRoute, options: NodeToolRouteOptions): NodeHandler {
  const { logger, shutdown } = options;
  return function toolRouteHandler(incoming, outgoing) {
    const target = route.claim(incoming.method ?? '', incoming.url ?? '');
    if (!target) return false;
    const start = logger.isEnabled('info') ? performance.now() : undefined;
    route.answer(target, new NodeRequest(incoming, outgoing, shutdown)).then(
      (answer) => {
        write(outgoing, answer);
        if (start !== undefined) logRequest(logger, { method: 'POST', path: target.path, status: answer.status, elapsedMs: performance.now() - start, user: answer.user });
      },
      () => outgoing.destroy(),
    );
    return true;
  };
}
