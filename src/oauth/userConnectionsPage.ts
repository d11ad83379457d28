/**
 * A user's own connections page, opened from the signed link a per-user server's 401 gave them (connectLinks.ts):
 * it names the mcpo user the accounts are linked to, first and large, so that someone who was forwarded the link
 * sees it is not theirs; then each per-user server with that user's state, and Connect (as that user) or
 * Disconnect. Plain HTML, every value escaped, no scripts; the forms post the link's grant and the page's token, and
 * for a user with a key, ask for it.
 */
import { escapeHtml } from './callbackPages.js';
import type { ConnectionDetails } from './serverAuth.js';

/** One per-user server as the user sees it: their own credentials only. */
export interface UserConnectionView {
  server: string;
  details: ConnectionDetails;
  /** The signed grant for this server and user (the forms send it back). */
  grant: URLSearchParams;
}

export interface UserConnectionsPageInput {
  user: string;
  /** The server the link was made for first, then the user's other per-user servers. */
  views: readonly UserConnectionView[];
  /** Where the forms post (…/connect, …/disconnect). */
  actionPath: string;
  token: string;
  notice?: string;
  /** The forms ask for the user's own mcpo key (the user has one: src/server/oauthRoutes.ts checks it). */
  askKey?: boolean;
}

function form(input: UserConnectionsPageInput, view: UserConnectionView, action: 'connect' | 'disconnect', label: string): string {
  const hidden = [...view.grant.entries(), ['token', input.token] as const]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const key = input.askKey
    ? `<label>${escapeHtml(input.user)}'s mcpo key <input type="password" name="key" autocomplete="current-password" required></label> `
    : '';
  return `<form method="post" action="${escapeHtml(`${input.actionPath}/${action}`)}">${hidden}${key}<button type="submit">${escapeHtml(label)}</button></form>`;
}

function section(input: UserConnectionsPageInput, view: UserConnectionView): string {
  const tokens = view.details.tokens;
  const state = tokens ? (tokens.state === 'authorized' ? 'connected' : 'connected (the access token expired; mcpo refreshes it on the next call if it can)') : 'not connected';
  const scopes = tokens?.scope ? `<p>scopes: ${escapeHtml(tokens.scope)}</p>` : '';
  const buttons = [
    tokens ? '' : form(input, view, 'connect', `Connect ${view.server} as ${input.user}`),
    tokens ? form(input, view, 'disconnect', 'Disconnect') : '',
  ].join('');
  return `<section><h2>${escapeHtml(view.server)} <small>${escapeHtml(state)}</small></h2>${scopes}<div class="buttons">${buttons}</div></section>`;
}

export function renderUserConnectionsPage(input: UserConnectionsPageInput): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mcpo: connect your account</title>' +
    '<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}' +
    'section{border-top:1px solid #ccc;padding:.5rem 0}h2 small{font-weight:normal;color:#555;margin-left:.5rem}' +
    '.who{font-size:1.25rem;background:#ffd;padding:.75rem 1rem}.notice{background:#eef;padding:.5rem 1rem}.buttons form{display:inline;margin-right:.5rem}</style></head>' +
    '<body><h1>Connect your account</h1>' +
    `<p class="who">Accounts you connect here are linked to the mcpo user <strong id="mcpo-user">${escapeHtml(input.user)}</strong>: ` +
    `mcpo will call these servers with them whenever ${escapeHtml(input.user)} asks.</p>` +
    `<p>If you are not ${escapeHtml(input.user)} (this link was forwarded to you), close this page: connecting here would let ${escapeHtml(input.user)} act with your account.</p>` +
    (input.notice ? `<p class="notice">${escapeHtml(input.notice)}</p>` : '') +
    input.views.map((view) => section(input, view)).join('') +
    '<p><small>Tokens are never shown here. This page works only from the link mcpo gave you, until it expires.</small></p>' +
    '</body></html>'
  );
}
