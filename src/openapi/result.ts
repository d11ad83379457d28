/**
 * MCP tool results -> HTTP response bodies. The rules, also written into every operation's 200
 * description (RESULT_MAPPING_DESCRIPTION):
 * - `structuredContent` present: it is the body, as is.
 * - otherwise the content items, each mapped: text -> its JSON value when the text parses as JSON, else
 *   the string; image/audio -> { type, mimeType, data } (base64 as sent); embedded resource ->
 *   { type: "resource", uri, mimeType?, text? | blob? }; resource link -> { type: "resource_link", uri,
 *   name, mimeType?, description? }; anything else as sent. No item is ever dropped.
 *   Zero items -> null, one item -> that item, several -> an array.
 * - `isError: true`: an McpoError TOOL_ERROR (HTTP 424) whose message is the first text item and whose
 *   details.content is the mapped content.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpoError } from '../errors.js';

/** Longest error message taken from a tool's text; the whole text stays in details.content. */
export const MAX_TOOL_ERROR_MESSAGE = 1000;

/** TOOL_ERROR message when the error result has no text. */
export const GENERIC_TOOL_ERROR_MESSAGE = 'The tool reported an error.';

/** The result-mapping rules, as written into each operation without an output schema. */
export const RESULT_MAPPING_DESCRIPTION = [
  'The tool result. When the tool returns structuredContent, that object is the body.',
  'Otherwise the body is built from the content items: a text item becomes its JSON value if the text is',
  'valid JSON, else the string; an image or audio item becomes {type, mimeType, data} with base64 data; an',
  'embedded resource becomes {type: "resource", uri, mimeType?, text? or blob?}; a resource link becomes',
  '{type: "resource_link", uri, name, mimeType?, description?}. No items gives null, one item gives that',
  'value, several items give an array of values.',
].join(' ');

type ContentItem = CallToolResult['content'][number];

/** Body of a 200 response; throws McpoError('TOOL_ERROR') for results with `isError: true`. */
export function mapToolResult(result: CallToolResult): unknown {
  const content = Array.isArray(result.content) ? result.content : [];
  if (result.isError === true) {
    const details: Record<string, unknown> = { content: mapContent(content) };
    if (result.structuredContent !== undefined) details.structuredContent = result.structuredContent;
    throw new McpoError('TOOL_ERROR', errorMessage(content), { details });
  }
  if (result.structuredContent !== undefined) return result.structuredContent;
  return mapContent(content);
}

/** Zero items -> null, one -> its value, several -> array of values. */
export function mapContent(content: readonly ContentItem[]): unknown {
  if (content.length === 0) return null;
  if (content.length === 1) return mapContentItem(content[0] as ContentItem);
  return content.map(mapContentItem);
}

/** One MCP content item as it appears in a response body (see RESULT_MAPPING_DESCRIPTION). */
export function mapContentItem(item: ContentItem): unknown {
  switch (item.type) {
    case 'text':
      return parseJsonOrText(item.text);
    case 'image':
    case 'audio':
      return { type: item.type, mimeType: item.mimeType, data: item.data };
    case 'resource': {
      const { uri, mimeType } = item.resource;
      const body = 'text' in item.resource ? { text: item.resource.text } : { blob: item.resource.blob };
      return { type: 'resource', uri, ...(mimeType === undefined ? {} : { mimeType }), ...body };
    }
    case 'resource_link':
      return {
        type: 'resource_link',
        uri: item.uri,
        name: item.name,
        ...(item.mimeType === undefined ? {} : { mimeType: item.mimeType }),
        ...(item.description === undefined ? {} : { description: item.description }),
      };
    default:
      return item; // a content type newer than this code: pass it through rather than drop it
  }
}

/** What a JSON text can start with; anything else is plain text, without paying for a thrown SyntaxError. */
const JSON_START = /^\s*[[{"0-9tfn-]/;

function parseJsonOrText(text: string): unknown {
  if (!JSON_START.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorMessage(content: readonly ContentItem[]): string {
  const first = content.find((item): item is Extract<ContentItem, { type: 'text' }> => item.type === 'text');
  const text = first?.text.trim();
  if (!text) return GENERIC_TOOL_ERROR_MESSAGE;
  return text.length > MAX_TOOL_ERROR_MESSAGE ? text.slice(0, MAX_TOOL_ERROR_MESSAGE) + '…' : text;
}
