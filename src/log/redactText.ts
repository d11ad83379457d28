/**
 * Secrets inside free text: stderr lines of children, error messages that quote what a server (or a proxy
 * echoing the request) answered. Bearer/Basic credentials and values of secret-sounding keys
 * (token=…, "password": "…", Authorization: …) become [redacted]; the rest of the text stays readable.
 */
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SECRET_ASSIGNMENT =
  /\b([\w.-]*(?:token|secret|password|passwd|api[_-]?key|authorization|credential)[\w.-]*)(["']?\s*[:=]\s*["']?)((?:Bearer\s+|Basic\s+)?[^\s"',;]+)/gi;

export function redactText(text: string): string {
  return text.replace(SECRET_ASSIGNMENT, '$1$2[redacted]').replace(BEARER, '$1 [redacted]');
}
