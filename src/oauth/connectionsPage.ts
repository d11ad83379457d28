/**
 * The connections page's HTML: every OAuth server with its state (connected: scopes, expiry, when the token was
 * issued; needs authorization; failed: why), a Connect and a Disconnect button. Never a token. Plain HTML, every
 * value escaped, no scripts; the buttons are forms that POST with the page's token (oauthRoutes.ts checks it).
 */
import type { ServerStatus } from '../mcp/types.js';
import { escapeHtml, PAGE_HEADERS } from './callbackPages.js';
import type { ConnectionDetails } from './serverAuth.js';

/** The page's headers: those of mcpo's OAuth pages, no framing (its buttons must not be clickjacked), and a referrer policy that lets its forms say where they come from. */
export const CONNECTIONS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...PAGE_HEADERS,
  // No form-action: browsers apply it to the redirect a form's answer gives, and Connect's leads to the authorization server.
  'Content-Security-Policy': `${PAGE_HEADERS['Content-Security-Policy']}; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
  // Not no-referrer: with it Chromium sends `Origin: null` on the page's own form POSTs, which must show mcpo's
  // origin. The page's URL carries nothing secret, and other origins still get no referrer.
  'Referrer-Policy': 'same-origin',
};

/** One OAuth server as the page shows it. */
export interface ConnectionView {
  status: ServerStatus;
  details: ConnectionDetails;
}

export interface ConnectionsPageInput {
  views: readonly ConnectionView[];
  /** The path the forms post to, e.g. /tools/mcpo/oauth (…/connect, …/disconnect). */
  actionPath: string;
  /** The page's token, sent back by every form. */
  token: string;
  /** What the last action did, shown at the top. */
  notice?: string;
}

const STATE_LABEL: Readonly<Record<ServerStatus['state'], string>> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  failed: 'failed',
  needs_authorization: 'needs authorization',
  stopping: 'stopping',
  stopped: 'stopped',
};

const HOW: Readonly<Record<ConnectionDetails['mode'], string>> = {
  server: 'Connect sends this browser to the authorization server and back to mcpo.',
  loopback: 'Connect opens mcpo\'s login link on 127.0.0.1: it completes only in a browser on the machine mcpo runs on (set --public-url for any browser).',
  paste: 'Connect starts a login whose URL is printed on mcpo\'s terminal, where the callback URL is pasted back.',
};

function when(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '';
}

function facts(view: ConnectionView): string[] {
  const { status, details } = view;
  const lines: string[] = [];
  const tokens = details.tokens;
  if (tokens) {
    const parts = [
      tokens.scope ? `scopes: ${tokens.scope}` : 'scopes: not stated by the server',
      tokens.expiresAt ? `access token ${tokens.state === 'authorized' ? 'expires' : 'expired'} ${when(tokens.expiresAt)}` : 'access token without a stated expiry',
      tokens.obtainedAt ? `issued ${when(tokens.obtainedAt)}` : undefined,
      tokens.refreshable ? 'refreshed by mcpo before it expires' : 'no refresh token: a new login is needed when it expires',
    ];
    lines.push(parts.filter(Boolean).join('; '));
  } else lines.push('no saved tokens');
  if (details.stepUp) lines.push(`waiting for a login that grants more scopes${details.stepUp.scope ? ` (${details.stepUp.scope})` : ''}`);
  else if (details.loginUnderWay) lines.push('a login is under way');
  if (status.state !== 'connected' && status.error) lines.push(`why: ${status.error}`);
  if (details.lastFailure) lines.push(`last login failed ${when(new Date(details.lastFailure.at).toISOString())}: ${details.lastFailure.message}`);
  return lines;
}

function button(input: ConnectionsPageInput, action: 'connect' | 'disconnect', server: string, label: string): string {
  return (
    `<form method="post" action="${escapeHtml(`${input.actionPath}/${action}`)}">` +
    `<input type="hidden" name="server" value="${escapeHtml(server)}">` +
    `<input type="hidden" name="token" value="${escapeHtml(input.token)}">` +
    `<button type="submit">${escapeHtml(label)}</button></form>`
  );
}

function section(input: ConnectionsPageInput, view: ConnectionView): string {
  const { status, details } = view;
  const name = status.name;
  const connect = status.state !== 'connected' || details.stepUp !== undefined || details.tokens === undefined;
  const buttons = [
    connect ? button(input, 'connect', name, details.loginUnderWay ? 'Connect (continue the login)' : 'Connect') : '',
    details.tokens || status.state === 'connected' || details.loginUnderWay ? button(input, 'disconnect', name, 'Disconnect') : '',
  ].join('');
  return (
    `<section><h2>${escapeHtml(name)} <small>${escapeHtml(STATE_LABEL[status.state])}</small></h2>` +
    facts(view).map((line) => `<p>${escapeHtml(line)}</p>`).join('') +
    (connect ? `<p><small>${escapeHtml(HOW[details.mode])}</small></p>` : '') +
    `<div class="buttons">${buttons}</div></section>`
  );
}

export function renderConnectionsPage(input: ConnectionsPageInput): string {
  const body =
    input.views.length === 0
      ? '<p>No server in this configuration uses OAuth.</p>'
      : input.views.map((view) => section(input, view)).join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mcpo: OAuth connections</title>' +
    '<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}' +
    'section{border-top:1px solid #ccc;padding:.5rem 0}h2 small{font-weight:normal;color:#555;margin-left:.5rem}' +
    '.notice{background:#eef;padding:.5rem 1rem}.buttons form{display:inline;margin-right:.5rem}</style></head>' +
    '<body><h1>OAuth connections</h1>' +
    (input.notice ? `<p class="notice">${escapeHtml(input.notice)}</p>` : '') +
    body +
    '<p><small>Tokens are never shown here. Disconnect revokes them at the server when it supports revocation (RFC 7009) and deletes them from mcpo.</small></p>' +
    '</body></html>'
  );
}
