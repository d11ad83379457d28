/**
 * A server's tool list broke one of its bounds (toolList.ts counts pages, tools and parsed bytes; the transports
 * count the bytes of each tools/list answer as it arrives, answerBounds.ts). Its own file: the transports make it
 * and the listing throws it, and neither should import the other.
 */
import { McpoError } from '../errors.js';

/** Which bound a tool list broke: `deadline` may be a slow server; the others are a list that does not end or is too big. */
export type ToolListBound = 'pages' | 'tools' | 'bytes' | 'cursor' | 'deadline';

/** A server's tool list broke a bound (too many pages, tools or bytes, a repeated cursor, or too slow). */
export class ToolListError extends McpoError {
  constructor(
    readonly bound: ToolListBound,
    message: string,
  ) {
    super('UPSTREAM_ERROR', message, { details: { bound } });
  }
}

/**
 * Whether `error` is a tool list refused for its size or shape (not for time): the server's fault, whoever's
 * configuration. Such a server is retried less often (session.ts), since every try costs mcpo up to the bound.
 */
export function isRefusedList(error: unknown): error is ToolListError {
  return error instanceof ToolListError && error.bound !== 'deadline';
}

/** How the operator lets a server list more: the sentence every bound's error ends with. */
export function raiseHint(key: 'maxToolListBytes' | 'maxTools' | 'maxToolPages'): string {
  return `raise "${key}" in the server's config entry to accept more`;
}
