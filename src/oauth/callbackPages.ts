/**
 * The tiny HTML pages the loopback receiver shows in the user's browser. Every dynamic value is
 * escaped; no scripts, styles from elsewhere, or referrer (the callback URL carries the code).
 */
import type { McpoOAuthError } from './errors.js';

/** Headers sent with every page. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page with a title, one paragraph and, optionally, one link (an http(s) URL mcpo built, e.g. the connections page). */
export function page(title: string, body: string, link?: { href: string; text: string }): string {
  const more = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p>${more}</body></html>`
  );
}

export function successPage(): string {
  return page('mcpo is authorized', 'You can close this tab and return to mcpo.');
}

/** The page for a failed callback; the message of mcpo's error never contains codes or tokens. */
export function failurePage(error: McpoOAuthError): string {
  return page('mcpo authorization failed', `${error.message.replace(/\.$/, '')}. You can close this tab.`);
}

export function notFoundPage(): string {
  return page('Not found', 'This address only receives the OAuth authorization callback.');
}

export function alreadyFinishedPage(): string {
  return page('Already finished', 'This authorization attempt has already finished. You can close this tab.');
}

/** A callback with a wrong or missing state: refused, the login keeps waiting. */
export function stillWaitingPage(error: McpoOAuthError): string {
  return page('mcpo authorization refused', `${error.message.replace(/; start the login again\.?$|\.$/, '')}. The login under way is still waiting; finish it in the tab mcpo opened.`);
}

/** The published login link (without its ticket) opened where mcpo cannot tell who opens it. */
export function consoleLinkPage(): string {
  return page(
    'mcpo is waiting for a login',
    'For safety, the link that starts the login here is only shown on the console mcpo runs in (a line ending in /start?ticket=…). Open that link in this browser.',
  );
}

/** Too many connections at once (PeerLookupBusyError): refused for now, the login keeps waiting. */
export function busyPage(): string {
  return page('mcpo is busy', 'Too many connections reached the login at once. Reload this page in a moment; the login is still waiting.');
}

/** A connection of another local user: refused, the login keeps waiting. */
export function otherUserPage(): string {
  return page('Not your login', 'This login belongs to another user of this computer, the one running mcpo. Nothing was changed.');
}

/** The login was cancelled: someone else took part in it (its message says how). */
export function cancelledPage(error: McpoOAuthError): string {
  return page('mcpo login cancelled', `${error.message.replace(/\.$/, '')}.`);
}
