/**
 * GET {prefix}/healthz: 200 whenever the HTTP server is up, with every server's status. `status` is
 * 'ok' when all servers are connected and 'degraded' otherwise; a supervisor that only checks the
 * status code therefore restarts mcpo only when it is truly down, not when one upstream is.
 */
import type { Hono } from 'hono';
import type { ServerStatus } from '../mcp/types.js';
import type { ServerContext } from './context.js';

/** Body of GET /healthz. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  servers: Record<string, ServerStatus>;
}

/** The /healthz body: every server by name, and "ok" only when all are connected. */
export function healthReport(statuses: readonly ServerStatus[]): HealthReport {
  const servers: Record<string, ServerStatus> = {};
  for (const status of statuses) servers[status.name] = status;
  const status = statuses.every((s) => s.state === 'connected') ? 'ok' : 'degraded';
  return { status, servers };
}

/** Adds GET {prefix}/healthz to `app`. */
export function registerHealthRoutes(app: Hono, ctx: ServerContext): void {
  app.get(`${ctx.pathPrefix}/healthz`, (c) =>
    c.json(healthReport(ctx.registry.list().map((h) => h.status())), 200, { 'Cache-Control': 'no-store' }),
  );
}
