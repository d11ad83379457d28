/**
 * The OAuth-protected MCP endpoints:
 * - `/mcp`: streamable HTTP (POST, GET, DELETE), stateful sessions;
 * - `/sse` + `/messages`: the legacy HTTP+SSE transport (protocol 2024-11-05).
 * Every request passes `requireBearer` first; POSTs then pass the per-method scope check.
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { requireBearer, requireScopesForBody, type AuthenticatedRequest } from './bearer.js';
import type { ScopeChallengeStyle } from './options.js';
import type { ServerUrls } from './resource.js';
import type { McpSessions } from './sessions.js';
import { createDemoMcpServer } from './tools.js';

/** Path of the legacy transport's message endpoint (announced to clients in the SSE `endpoint` event). */
export const SSE_MESSAGES_PATH = '/messages';

export interface McpRoutesOptions {
  verifier: OAuthTokenVerifier;
  urls: ServerUrls;
  sessions: McpSessions;
  scopeChallenge: ScopeChallengeStyle;
  /** Challenges name the RFC 9728 document. Default true. */
  resourceMetadata?: boolean;
}

function jsonRpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

function clientIdOf(req: Request): string {
  const auth = (req as AuthenticatedRequest).auth;
  if (!auth) throw new Error('requireBearer must run before the MCP handlers');
  return auth.clientId;
}

export function mcpRouter(options: McpRoutesOptions): Router {
  const { verifier, urls, sessions, resourceMetadata = true } = options;
  const router = express.Router();
  const guard = (target: 'mcp' | 'sse') => [
    requireBearer({ verifier, urls, target, resourceMetadata }),
    requireScopesForBody({ urls, target, style: options.scopeChallenge, resourceMetadata }),
  ];

  router.all('/mcp', ...guard('mcp'), async (req: Request, res: Response) => {
    const clientId = clientIdOf(req);
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.streamable.get(sessionId);
      // Another client's session is reported as missing, not forbidden: its id reveals nothing.
      if (!session || session.clientId !== clientId) return jsonRpcError(res, 404, -32001, 'Session not found');
      await session.transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return jsonRpcError(res, 400, -32000, 'Bad Request: No valid session ID provided');
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        sessions.streamable.set(id, { transport, clientId });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.streamable.delete(transport.sessionId);
    };
    await createDemoMcpServer().connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  router.get('/sse', ...guard('sse'), async (req: Request, res: Response) => {
    const transport = new SSEServerTransport(SSE_MESSAGES_PATH, res);
    sessions.sse.set(transport.sessionId, { transport, clientId: clientIdOf(req) });
    transport.onclose = () => {
      sessions.sse.delete(transport.sessionId);
    };
    // connect() starts the transport, which sends the SSE headers and the `endpoint` event.
    await createDemoMcpServer().connect(transport);
  });

  router.post(SSE_MESSAGES_PATH, ...guard('sse'), async (req: Request, res: Response) => {
    const sessionId = typeof req.query.sessionId === 'string' ? req.query.sessionId : undefined;
    const session = sessionId === undefined ? undefined : sessions.sse.get(sessionId);
    if (!session || session.clientId !== clientIdOf(req)) return jsonRpcError(res, 404, -32001, 'Session not found');
    await session.transport.handlePostMessage(req, res, req.body);
  });

  return router;
}
