/** MCP tool results become response bodies by fixed, documented rules; no content is ever dropped. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { McpoError } from '../../src/errors.js';
import { GENERIC_TOOL_ERROR_MESSAGE, MAX_TOOL_ERROR_MESSAGE, mapToolResult } from '../../src/openapi/result.js';
import { httpStatus } from '../../src/server/answer.js';

const text = (t: string) => ({ type: 'text' as const, text: t });

describe('successful results', () => {
  it('returns structuredContent as the body when present, whatever the content says', () => {
    const result: CallToolResult = { content: [text('{"ignored":true}')], structuredContent: { temperature: 21 } };
    expect(mapToolResult(result)).toEqual({ temperature: 21 });
  });

  it('parses a single text item as JSON when it is JSON, else returns the string', () => {
    expect(mapToolResult({ content: [text('{"a":[1,2]}')] })).toEqual({ a: [1, 2] });
    expect(mapToolResult({ content: [text('42')] })).toBe(42);
    expect(mapToolResult({ content: [text('null')] })).toBeNull();
    expect(mapToolResult({ content: [text('Echo: hi')] })).toBe('Echo: hi');
    expect(mapToolResult({ content: [text('007')] })).toBe('007');
  });

  it('returns null for no content', () => {
    expect(mapToolResult({ content: [] })).toBeNull();
  });

  it('returns an array of mapped values for several items, keeping every item and its order', () => {
    const result: CallToolResult = {
      content: [
        text('first'),
        text('[1]'),
        { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
        { type: 'audio', mimeType: 'audio/wav', data: 'UklGRg==' },
        { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'hello' } },
        { type: 'resource', resource: { uri: 'file:///a.bin', blob: 'AAE=' } },
        { type: 'resource_link', uri: 'file:///b', name: 'b', mimeType: 'text/csv', description: 'B file' },
        { type: 'resource_link', uri: 'file:///c', name: 'c' },
      ],
    };
    expect(mapToolResult(result)).toEqual([
      'first',
      [1],
      { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
      { type: 'audio', mimeType: 'audio/wav', data: 'UklGRg==' },
      { type: 'resource', uri: 'file:///a.txt', mimeType: 'text/plain', text: 'hello' },
      { type: 'resource', uri: 'file:///a.bin', blob: 'AAE=' },
      { type: 'resource_link', uri: 'file:///b', name: 'b', mimeType: 'text/csv', description: 'B file' },
      { type: 'resource_link', uri: 'file:///c', name: 'c' },
    ]);
  });

  it('maps a single non-text item to that item alone', () => {
    expect(mapToolResult({ content: [{ type: 'image', mimeType: 'image/gif', data: 'R0lG' }] })).toEqual({
      type: 'image',
      mimeType: 'image/gif',
      data: 'R0lG',
    });
  });

  it('passes through a content type it does not know instead of dropping it', () => {
    const future = { type: 'hologram', data: 'xyz' } as unknown as CallToolResult['content'][number];
    expect(mapToolResult({ content: [text('a'), future] })).toEqual(['a', { type: 'hologram', data: 'xyz' }]);
  });
});

describe('error results', () => {
  function thrown(result: CallToolResult): McpoError {
    try {
      mapToolResult(result);
    } catch (error) {
      return error as McpoError;
    }
    throw new Error('mapToolResult did not throw');
  }

  it('become TOOL_ERROR (424) with the first text as message and all content in details', () => {
    const error = thrown({
      isError: true,
      content: [{ type: 'image', mimeType: 'image/png', data: 'AA==' }, text('  File not found: a.txt '), text('{"errno":2}')],
    });
    expect(error).toBeInstanceOf(McpoError);
    expect(error.code).toBe('TOOL_ERROR');
    expect(httpStatus(error)).toBe(424);
    expect(error.message).toBe('File not found: a.txt');
    expect(error.details).toEqual({
      content: [{ type: 'image', mimeType: 'image/png', data: 'AA==' }, '  File not found: a.txt ', { errno: 2 }],
    });
  });

  it('use a generic message when there is no text, and keep structuredContent in details', () => {
    const error = thrown({ isError: true, content: [], structuredContent: { reason: 'quota' } });
    expect(error.message).toBe(GENERIC_TOOL_ERROR_MESSAGE);
    expect(error.details).toEqual({ content: null, structuredContent: { reason: 'quota' } });
  });

  it('cut a very long message but keep the whole text in details', () => {
    const long = 'x'.repeat(MAX_TOOL_ERROR_MESSAGE + 50);
    const error = thrown({ isError: true, content: [text(long)] });
    expect(error.message).toHaveLength(MAX_TOOL_ERROR_MESSAGE + 1);
    expect(error.details).toEqual({ content: long });
  });
});
