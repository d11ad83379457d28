/**
 * Authorization requests waiting for the user's answer on the consent page, and the route that receives it.
 */
import express, { type Request, type Response, type Router } from 'express';
import { renderConsentErrorPage, CONSENT_PAGE_HEADERS, DEFAULT_SUBJECT, MAX_SUBJECT_LENGTH } from './consentPage.js';
import type { AuthorizationRequest, DemoOAuthProvider } from './provider.js';
import { randomToken } from './tokenStore.js';

interface PendingConsent {
  request: AuthorizationRequest;
  expiresAt: number;
}

/** One-time consent ids: each may be answered once, before it expires. */
export class PendingConsents {
  readonly #pending = new Map<string, PendingConsent>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(options: { now: () => number; ttlSeconds: number }) {
    this.#now = options.now;
    this.#ttlMs = options.ttlSeconds * 1000;
  }

  /** Stores a request; returns its unguessable id, which the form sends back (and which acts as CSRF token). */
  open(request: AuthorizationRequest): string {
    const id = randomToken();
    this.#pending.set(id, { request, expiresAt: this.#now() + this.#ttlMs });
    return id;
  }

  /** Removes and returns a live request; undefined if unknown, answered already or expired. */
  take(id: string): AuthorizationRequest | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    return pending && pending.expiresAt > this.#now() ? pending.request : undefined;
  }
}

function fail(res: Response, message: string): void {
  res.set(CONSENT_PAGE_HEADERS);
  res.status(400).type('html').send(renderConsentErrorPage(message));
}

/** POST handler of the consent form: `request_id` plus `decision=approve|deny`, and the `subject` to approve as. */
export function consentRouter(provider: DemoOAuthProvider, consents: PendingConsents): Router {
  const router = express.Router();
  router.post('/', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { request_id: requestId, decision } = body;
    if (typeof requestId !== 'string' || (decision !== 'approve' && decision !== 'deny')) {
      fail(res, 'The consent form was incomplete.');
      return;
    }
    const request = consents.take(requestId);
    if (!request) {
      fail(res, 'This authorization request has expired or was already answered. Start again from your application.');
      return;
    }
    const subject = typeof body.subject === 'string' && body.subject.trim() !== '' ? body.subject.trim().slice(0, MAX_SUBJECT_LENGTH) : DEFAULT_SUBJECT;
    res.redirect(302, decision === 'approve' ? provider.approve(request, subject) : provider.deny(request));
  });
  return router;
}
