/**
 * Listing a server's tools (tools/list, following nextCursor) within bounds. A server is not trusted to end its
 * list: without bounds, an endless cursor chain of large pages grew mcpo to 4.2 GB and killed it with every other
 * server (issue #14). So the pages, the tools and the bytes of their definitions are counted, a cursor seen
 * before ends the list, and the whole list has a deadline; going past any of them fails this list alone. The bytes
 * of each page are counted before that too, by the transport as they arrive (answerBounds.ts): a single page is
 * refused before it is parsed. Counted here, the definitions of all pages together.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CommonEntry } from '../config/types.js';
import { refusedBy } from './answerBounds.js';
import { raiseHint, ToolListError } from './toolListError.js';
import type { Tool } from './types.js';

/** Pages of tools/list one listing follows at most. */
export const DEFAULT_MAX_TOOL_PAGES = 100;
/** Tools one server may list. */
export const DEFAULT_MAX_TOOLS = 10_000;
/** Bytes of tool definitions (as JSON) one server may list, and of one tools/list answer as it arrives: 32 MiB. */
export const DEFAULT_MAX_TOOL_LIST_BYTES = 32 * 1024 * 1024;

export interface ToolListLimits {
  /** Default DEFAULT_MAX_TOOL_PAGES. */
  maxPages?: number;
  /** Default DEFAULT_MAX_TOOLS. */
  maxTools?: number;
  /** Default DEFAULT_MAX_TOOL_LIST_BYTES. */
  maxBytes?: number;
}

export interface ListToolsOptions extends ToolListLimits {
  /** The server's name, for the errors. */
  server: string;
  /** The whole list, every page included, must have arrived within this many ms. */
  timeoutMs: number;
  /** Ends the listing early (the session gave up on this client). */
  signal?: AbortSignal;
}

/** Every tool of the server, following nextCursor pages, within `options`' bounds. Throws ToolListError past one. */
export async function listAllTools(client: Client, options: ListToolsOptions): Promise<Tool[]> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_TOOL_PAGES;
  const maxTools = options.maxTools ?? DEFAULT_MAX_TOOLS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_TOOL_LIST_BYTES;
  const deadline = Date.now() + options.timeoutMs;
  const of = `server "${options.server}"`;
  const tools: Tool[] = [];
  const cursors = new Set<string>();
  let bytes = 0;
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new ToolListError('deadline', `listing tools took longer than ${seconds(options.timeoutMs)}`);
    const page = await client
      .listTools(cursor === undefined ? {} : { cursor }, { timeout: remaining, ...(options.signal ? { signal: options.signal } : {}) })
      .catch((error: unknown) => {
        // A transport that cut the answer at the byte bound says so (answerBounds.ts); the deadline's own error otherwise.
        throw refusedBy(error) ?? (Date.now() >= deadline ? new ToolListError('deadline', `listing tools took longer than ${seconds(options.timeoutMs)}`) : error);
      });
    bytes += Buffer.byteLength(JSON.stringify(page.tools));
    if (bytes > maxBytes) throw new ToolListError('bytes', `the tool definitions of ${of} exceed ${maxBytes} bytes (its maxToolListBytes); ${raiseHint('maxToolListBytes')}`);
    if (tools.length + page.tools.length > maxTools) throw new ToolListError('tools', `${of} lists more than ${maxTools} tools (its maxTools); ${raiseHint('maxTools')}`);
    // Not push(...page.tools): a page of a few hundred thousand small tools (allowed by a high maxTools) overflows the stack.
    for (const tool of page.tools) tools.push(tool);
    cursor = page.nextCursor;
    if (!cursor) return tools;
    if (cursors.has(cursor)) throw new ToolListError('cursor', `the tool list of ${of} repeats the cursor of an earlier page after ${pages} pages`);
    // The cursors kept to find a repeated one are the server's text too.
    bytes += cursor.length;
    if (bytes > maxBytes) throw new ToolListError('bytes', `the tool list of ${of} exceeds ${maxBytes} bytes (its maxToolListBytes); ${raiseHint('maxToolListBytes')}`);
    if (pages >= maxPages) throw new ToolListError('pages', `the tool list of ${of} goes on past ${maxPages} pages (its maxToolPages); ${raiseHint('maxToolPages')}`);
    cursors.add(cursor);
  }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** The listing options of `entry` (its bounds, when it sets them) with this deadline and signal. */
export function toolListOptions(entry: CommonEntry, timeoutMs: number, signal?: AbortSignal): ListToolsOptions {
  const { maxTools, maxToolPages, maxToolListBytes } = entry;
  return {
    server: entry.name,
    timeoutMs,
    ...(signal ? { signal } : {}),
    ...(maxTools === undefined ? {} : { maxTools }),
    ...(maxToolPages === undefined ? {} : { maxPages: maxToolPages }),
    ...(maxToolListBytes === undefined ? {} : { maxBytes: maxToolListBytes }),
  };
}
