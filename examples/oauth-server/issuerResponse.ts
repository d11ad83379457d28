/**
 * RFC 9207 (Authorization Server Issuer Identification): every authorization response, error responses
 * included, names the issuer in an `iss` query parameter, so a client talking to several authorization
 * servers can tell which one answered (the defence against mix-up attacks).
 *
 * Authorization responses leave from three places: this example's provider (code, or access_denied from the
 * consent page), its PKCE gate, and the SDK's /authorize handler (its own error redirects). Rather than
 * patching each, a middleware in front of /authorize and /consent adds `iss` to every redirect they send:
 * both routes redirect only to a client's registered redirect URI.
 *
 * Test hook: `override()` makes the server misbehave (send another issuer, or none) to exercise clients.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What `iss` redirects carry: the real issuer (undefined), another value (string), or none at all (null). */
export type IssuerOverride = string | null | undefined;

export class AuthorizationResponseIssuer {
  readonly #issuer: string | null;
  #override: IssuerOverride;

  /**
   * `issuer` is the metadata's `issuer`, verbatim (RFC 9207 §2.3: the two MUST be identical); null for a
   * server that predates RFC 9207 and sends no `iss` (unless a test overrides it).
   */
  constructor(issuer: string | null) {
    this.#issuer = issuer;
  }

  /** Test hook: see IssuerOverride (undefined: back to the constructor's value). Applies to later redirects. */
  override(value: IssuerOverride): void {
    this.#override = value;
  }

  /** `url` with its `iss` parameter set as configured; anything that is not an absolute URL is left alone. */
  stamp(url: string): string {
    if (!URL.canParse(url)) return url;
    const target = new URL(url);
    const iss = this.#override === undefined ? this.#issuer : this.#override;
    if (iss === null) target.searchParams.delete('iss');
    else target.searchParams.set('iss', iss);
    return target.href;
  }

  /** Mount before the handlers of /authorize and /consent: their redirects then carry `iss`. */
  middleware(): RequestHandler {
    return (_req: Request, res: Response, next: NextFunction) => {
      const redirect = res.redirect.bind(res) as (status: number, url: string) => void;
      // Express 5 takes redirect(url) or redirect(status, url).
      res.redirect = ((first: number | string, second?: string) => {
        if (typeof first === 'number') redirect(first, this.stamp(String(second)));
        else redirect(302, this.stamp(first));
      }) as Response['redirect'];
      next();
    };
  }
}
