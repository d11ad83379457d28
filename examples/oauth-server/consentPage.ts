/**
 * The consent page: plain HTML, inline styles, no scripts or external assets. Every value that came from a
 * client (name, redirect URI, state...) is escaped.
 */
import { SCOPE_DESCRIPTIONS } from './scopes.js';

/** The account an approval acts for when the consent page's subject is left as it is (and with autoApprove). */
export const DEFAULT_SUBJECT = 'demo-user';
/** A subject is a short label: at most this many characters. */
export const MAX_SUBJECT_LENGTH = 100;

/** Headers the consent page is served with: nothing may load, nothing may frame it (clickjacking). */
export const CONSENT_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

export interface ConsentPageInput {
  /** Path the form posts to. */
  action: string;
  /** One-time id of this authorization request; unguessable, so it doubles as the CSRF token. */
  requestId: string;
  clientName: string;
  clientId: string;
  scopes: readonly string[];
  /** Where the browser goes back to afterwards. */
  redirectUri: string;
  /** The MCP resource the token will be bound to. */
  resource: string;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
.card { border: 1px solid #ccc; border-radius: 8px; padding: 1.5rem; }
code { background: #f3f3f3; padding: 0 .25rem; border-radius: 3px; word-break: break-all; }
button { font-size: 1rem; padding: .5rem 1.25rem; margin-right: .5rem; border-radius: 6px; border: 1px solid #888; cursor: pointer; }
button.approve { background: #1a7f37; color: #fff; border-color: #1a7f37; }
.muted { color: #666; font-size: .9rem; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The page asking the user to approve or deny a client's authorization request. */
export function renderConsentPage(input: ConsentPageInput): string {
  const items = input.scopes
    .map((scope) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[scope] ?? scope)} <span class="muted">(<code>${escapeHtml(scope)}</code>)</span></li>`)
    .join('\n');
  return page(
    `Authorize ${input.clientName}`,
    `<div class="card">
<h1>Authorize <em>${escapeHtml(input.clientName)}</em>?</h1>
<p>This application (client id <code>${escapeHtml(input.clientId)}</code>) asks to:</p>
<ul>
${items}
</ul>
<p class="muted">Access applies to <code>${escapeHtml(input.resource)}</code>. Afterwards your browser returns to <code>${escapeHtml(input.redirectUri)}</code>.</p>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
<p><label>Approve as <input name="subject" value="${escapeHtml(DEFAULT_SUBJECT)}" maxlength="${MAX_SUBJECT_LENGTH}"></label> <span class="muted">(a demo account name: the tokens act for it, and the <code>whoami</code> tool says it)</span></p>
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</div>
<p class="muted">mcpo OAuth example server: a local demo, no account involved.</p>`,
  );
}

/** The page shown when a consent form is posted twice, too late, or with an unknown id. */
export function renderConsentErrorPage(message: string): string {
  return page('Authorization failed', `<div class="card"><h1>Authorization failed</h1><p>${escapeHtml(message)}</p></div>`);
}
