/**
 * URL path prefixes: `pathPrefix` (where routes are mounted) and `rootPath` (what a reverse proxy strips
 * before forwarding, so it only shows up in URLs handed to browsers and in documents' servers[].url).
 */
import { UsageError } from '../errors.js';

/**
 * Normalizes a prefix to '' (none) or '/a/b': leading slash added, trailing slashes removed.
 * Throws UsageError for values that are not a plain path (query, fragment, whitespace, scheme).
 */
export function normalizePrefix(value: string | undefined, optionName: string): string {
  if (value === undefined) return '';
  const trimmed = value.trim();
  if (/[?#\s\\]|:\/\//.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) {
    throw new UsageError(`${optionName} must be a URL path such as /api, got ${JSON.stringify(value)}`);
  }
  const withoutTrailing = trimmed.replace(/\/+$/, '');
  if (withoutTrailing === '') return '';
  return withoutTrailing.startsWith('/') ? withoutTrailing : `/${withoutTrailing}`;
}

/** Joins normalized prefixes and a path: joinPath('/root', '/api', 'srv') → '/root/api/srv'; joinPath('','') → '/'. */
export function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter((s) => s !== '')
    .join('/');
  return `/${joined}`;
}
