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

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>`
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

/** A callback from a browser that did not open mcpo's login link: refused, the login keeps waiting. */
export function unboundBrowserPage(): string {
  return page(
    'Not the browser that started this login',
    'mcpo only accepts the authorization from the browser that opened its login link (the link mcpo printed, starting with http://127.0.0.1). The login is still waiting: open that link in this browser and approve again.',
  );
}

/** A callback with a wrong or missing state: refused, the login keeps waiting. */
export function stillWaitingPage(error: McpoOAuthError): string {
  return page('mcpo authorization refused', `${error.message.replace(/; start the login again\.?$|\.$/, '')}. The login under way is still waiting; finish it in the tab mcpo opened.`);
}

/** The published login link (without its ticket): the real one is on the console. */
export function consoleLinkPage(): string {
  return page(
    'mcpo is waiting for a login',
    'For safety, the link that starts the login is only shown on the console mcpo runs in (a line ending in /start?ticket=…). Open that link in this browser.',
  );
}

/** The login link opened by a second browser. */
export function linkUsedPage(): string {
  return page(
    'Login link already used',
    'This login link was already opened in another browser, which the login is now bound to. If that was not you, someone else has the link: cancel this login (restart mcpo or the server) and check who can read mcpo.',
  );
}
