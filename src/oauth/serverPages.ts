/**
 * The pages a browser gets at `{publicUrl}/oauth/callback` (mcpo's own port). Like the loopback receiver's
 * (callbackPages.ts): escaped text, no scripts, no referrer; each links back to the connections page, where a
 * login starts again.
 */
import { page } from './callbackPages.js';

/** A callback answered by mcpo's HTTP server: status and HTML (sent with PAGE_HEADERS). */
export interface PageAnswer {
  status: number;
  html: string;
}

/** Why a login is no longer pending, as its callback page explains it. */
export type FinishedLogin = 'completed' | 'failed' | 'expired' | 'cancelled';

/**
 * What became of a callback, before it is a page: data only, so it can be told by the replica that holds the login
 * to the one the browser reached (loginRelay.ts) without either trusting the other's HTML.
 */
export type CallbackVerdict =
  | { kind: 'completed' }
  | { kind: 'failed'; message: string }
  | { kind: 'unbound' }
  | { kind: 'finished'; how: FinishedLogin }
  | { kind: 'unknown' };

/** The page of a verdict. */
export function verdictPage(verdict: CallbackVerdict, connectionsUrl: string | undefined): PageAnswer {
  switch (verdict.kind) {
    case 'completed':
      return serverSuccessPage(connectionsUrl);
    case 'failed':
      return serverFailurePage(verdict.message, connectionsUrl);
    case 'unbound':
      return serverUnboundPage(connectionsUrl);
    case 'finished':
      return finishedLoginPage(verdict.how, connectionsUrl);
    case 'unknown':
      return unknownLoginPage(connectionsUrl);
  }
}

function back(connectionsUrl: string | undefined): { href: string; text: string } | undefined {
  return connectionsUrl ? { href: connectionsUrl, text: 'Back to the connections page' } : undefined;
}

export function serverSuccessPage(connectionsUrl: string | undefined): PageAnswer {
  return { status: 200, html: page('mcpo is authorized', 'The server is connected. You can close this tab.', back(connectionsUrl)) };
}

/** The login ended in a failure at the authorization server (the user denied, no code, a wrong issuer). */
export function serverFailurePage(message: string, connectionsUrl: string | undefined): PageAnswer {
  const html = page('mcpo authorization failed', `${message.replace(/; (start|run) the login again\.?$|\.$/, '')}. Nothing was saved; to try again, click Connect on the connections page.`, back(connectionsUrl));
  return { status: 400, html };
}

/** The right `state` from a browser that did not click Connect for it: refused, the login keeps waiting. */
export function serverUnboundPage(connectionsUrl: string | undefined): PageAnswer {
  const html = page(
    'Not the browser that started this login',
    'mcpo only accepts the authorization from the browser that clicked Connect on its connections page. Nothing was saved, and the login under way keeps waiting: to finish it here, click Connect in this browser.',
    back(connectionsUrl),
  );
  return { status: 403, html };
}

/** No `state` at all: not an authorization response mcpo can match to a login. */
export function missingStatePage(connectionsUrl: string | undefined): PageAnswer {
  return { status: 400, html: page('mcpo authorization refused', 'This address receives authorization responses, and this one carries no state. Nothing was saved.', back(connectionsUrl)) };
}

/** A `state` mcpo knows nothing about: forged, from before a restart, or long finished. */
export function unknownLoginPage(connectionsUrl: string | undefined): PageAnswer {
  const html = page(
    'mcpo authorization refused',
    'This authorization response does not belong to a login mcpo is waiting for (mcpo may have restarted since it began). Nothing was saved, and any login under way keeps waiting. To start a new one, click Connect on the connections page.',
    back(connectionsUrl),
  );
  return { status: 400, html };
}

const FINISHED: Readonly<Record<FinishedLogin, { status: number; title: string; body: string }>> = {
  completed: { status: 409, title: 'Already finished', body: 'This login has already completed; its response cannot be used twice. You can close this tab.' },
  failed: { status: 409, title: 'Already finished', body: 'This login has already ended; its response cannot be used again. Nothing was saved.' },
  expired: { status: 400, title: 'Login expired', body: 'This login waited too long for the authorization server and expired. Nothing was saved. To start a new one, click Connect on the connections page.' },
  cancelled: {
    status: 400,
    title: 'Login cancelled',
    body: 'This login was cancelled before it completed (its server was removed or changed, or mcpo is stopping). Nothing was saved.',
  },
};

/** A `state` whose login is over. */
export function finishedLoginPage(how: FinishedLogin, connectionsUrl: string | undefined): PageAnswer {
  const { status, title, body } = FINISHED[how];
  return { status, html: page(title, body, back(connectionsUrl)) };
}

/** A request a web page fired in the background (an <img>, a fetch, an iframe) at the callback: ignored. */
export function backgroundRequestPage(): PageAnswer {
  return { status: 403, html: page('Not found', 'This address only receives the OAuth authorization callback.') };
}
