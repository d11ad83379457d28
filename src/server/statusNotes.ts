/**
 * Markdown shown in a document's info.description for servers that are not connected, so that /docs
 * tells users why tools are missing and, for servers waiting on OAuth, where to authorize.
 */
import type { ServerStatus } from '../mcp/types.js';
import { escapeMarkdown } from '../openapi/markdown.js';

const STATE_LABEL: Readonly<Record<ServerStatus['state'], string>> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  failed: 'failed',
  needs_authorization: 'needs authorization',
  stopping: 'stopping',
  stopped: 'stopped',
};

/** An http(s) URL suitable as a Markdown link target, or undefined. */
function safeLinkTarget(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return parsed.href.replace(/[()<> ]/g, (ch) => encodeURIComponent(ch));
  } catch {
    return undefined;
  }
}

function describe(status: ServerStatus): string {
  let line = `- \`${status.name}\`: ${STATE_LABEL[status.state]}`;
  const authorize = status.authorizationUrl ?? status.connectionsUrl;
  if (status.state === 'needs_authorization' && authorize) {
    const target = safeLinkTarget(authorize);
    line += target ? `: [authorize in your browser](${target})` : '';
  }
  if (status.error) line += `: ${escapeMarkdown(status.error)}`;
  if (status.nextAttemptAt) line += ` (next attempt at ${escapeMarkdown(status.nextAttemptAt)})`;
  return line;
}

/** The "servers not connected" section, or undefined when every server is connected. */
export function notConnectedSection(statuses: readonly ServerStatus[]): string | undefined {
  const down = statuses.filter((s) => s.state !== 'connected');
  if (down.length === 0) return undefined;
  return ['**Servers not connected** (their tools are missing below):', '', ...down.map(describe)].join('\n');
}

/** A link to the connections page, when a server uses OAuth. */
export function connectionsLine(statuses: readonly ServerStatus[]): string | undefined {
  const url = statuses.find((s) => s.connectionsUrl !== undefined)?.connectionsUrl;
  const target = url && safeLinkTarget(url);
  return target ? `OAuth servers are connected and disconnected on the [connections page](${target}).` : undefined;
}

/** `base` followed by the not-connected section and the connections page's link, when there are. */
export function describeWithStatuses(base: string | undefined, statuses: readonly ServerStatus[]): string | undefined {
  const parts = [base, notConnectedSection(statuses), connectionsLine(statuses)].filter((p): p is string => Boolean(p));
  return parts.length === 0 ? undefined : parts.join('\n\n');
}
