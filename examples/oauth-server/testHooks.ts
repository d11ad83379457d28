/**
 * Counters and fault injection for tests that run against this server in-process: how many token and
 * refresh requests arrived, "the next N token requests fail" to exercise a client's backoff, and "the next N
 * token answers are late" to catch a client between sending a request and reading its tokens.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Snapshot of request counters since the server started. */
export interface OAuthExampleStats {
  /** GET/POST /authorize. */
  authorizationRequests: number;
  /** POST /register. */
  registrations: number;
  /** POST /token, every grant type, failed ones included. */
  tokenRequests: number;
  /** POST /token with grant_type=authorization_code. */
  authorizationCodeRequests: number;
  /** POST /token with grant_type=refresh_token. */
  refreshRequests: number;
  /** POST /revoke. */
  revocationRequests: number;
}

export interface TokenFailureOptions {
  /** HTTP status of the injected failures. Default 503. */
  status?: number;
  /** Adds `Retry-After: <seconds>` when set. Default: no header. */
  retryAfterSeconds?: number;
}

/** How long a delayed token answer is held: milliseconds, or until the promise settles. */
export type TokenAnswerDelay = number | Promise<unknown>;

export class RequestCounters {
  readonly #stats: OAuthExampleStats = {
    authorizationRequests: 0,
    registrations: 0,
    tokenRequests: 0,
    authorizationCodeRequests: 0,
    refreshRequests: 0,
    revocationRequests: 0,
  };
  #failuresLeft = 0;
  #failure: Required<Pick<TokenFailureOptions, 'status'>> & TokenFailureOptions = { status: 503 };
  #delaysLeft = 0;
  #delay: TokenAnswerDelay = 0;

  snapshot(): OAuthExampleStats {
    return { ...this.#stats };
  }

  /** Makes the next `count` POST /token requests fail (before any client authentication). */
  failNextTokenRequests(count: number, options: TokenFailureOptions = {}): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    this.#failuresLeft = count;
    this.#failure = { ...options, status: options.status ?? 503 };
  }

  /**
   * Holds the answers of the next `count` POST /token requests for `delay` (ms, or until the promise settles). The
   * request is processed at once (a refresh rotates its token, a code is spent): only the answer is late.
   */
  delayNextTokenAnswers(count: number, delay: TokenAnswerDelay): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    if (typeof delay === 'number' && !(Number.isFinite(delay) && delay >= 0)) throw new RangeError('delay must be a non-negative number of milliseconds');
    this.#delaysLeft = count;
    this.#delay = delay;
  }

  /** Counts a request to a named endpoint (POSTs only, except /authorize which is also a GET). */
  count(endpoint: 'authorizationRequests' | 'registrations' | 'revocationRequests'): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      if (req.method === 'POST' || (endpoint === 'authorizationRequests' && req.method === 'GET')) this.#stats[endpoint]++;
      next();
    };
  }

  /** Goes after the urlencoded parser at /token: counts by grant type, then applies injected failures. */
  tokenEndpoint(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'POST') return next();
      this.#stats.tokenRequests++;
      const grantType = (req.body as Record<string, unknown> | undefined)?.grant_type;
      if (grantType === 'authorization_code') this.#stats.authorizationCodeRequests++;
      if (grantType === 'refresh_token') this.#stats.refreshRequests++;
      if (this.#delaysLeft > 0) {
        this.#delaysLeft--;
        holdAnswer(res, this.#delay);
      }
      if (this.#failuresLeft === 0) return next();
      this.#failuresLeft--;
      if (this.#failure.retryAfterSeconds !== undefined) res.set('Retry-After', String(this.#failure.retryAfterSeconds));
      res.set('Cache-Control', 'no-store');
      res.status(this.#failure.status).json({
        error: 'temporarily_unavailable',
        error_description: 'Injected failure (test hook failNextTokenRequests)',
      });
    };
  }
}

/** Defers the end of `res` (headers and body alike: express writes both in end()) until `delay` is over. */
function holdAnswer(res: Response, delay: TokenAnswerDelay): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  const over = typeof delay === 'number' ? new Promise((resolve) => setTimeout(resolve, delay)) : delay;
  res.end = ((...args: unknown[]) => {
    void over.then(
      () => end(...args),
      () => end(...args),
    );
    return res;
  }) as Response['end'];
}
