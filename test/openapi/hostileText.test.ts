/**
 * Issue #14, hardening: text a server controls never becomes active Markdown in a document (tool names,
 * errors), and error text quoted in bodies is bounded.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { McpoError } from '../../src/errors.js';
import { ERROR_TEXT_MAX_CHARS, TRUNCATED_MARKER } from '../../src/log/redactText.js';
import { mapCallError } from '../../src/mcp/callErrors.js';
import { buildServerDocument } from '../../src/openapi/document.js';
import { INFO, catalogOf, tool } from './support/openapi.js';

type Json = Record<string, any>;

describe('hostile text in documents and error bodies', () => {
  it('escapes a tool name that carries a Markdown link or HTML where it enters a description', () => {
    const name = 'x](javascript:alert(1))<img src=x onerror=alert(2)>';
    const doc = buildServerDocument(catalogOf('s', [tool(name, { type: 'object', properties: { a: { type: 'string' } } })]), { info: INFO, serverUrl: '/s' }) as Json;
    const body = Object.values(doc.paths as Json)[0].post.requestBody;
    expect(body.description).toContain('Arguments of the MCP tool "x\\]\\(javascript:alert\\(1\\)\\)\\<img src=x onerror=alert\\(2\\)\\>".');
    expect(doc.tags[0].description).toBe('Tools of the MCP server "s" (1 tool).');
  });

  it('cuts a 64 KiB JSON-RPC error message and its data to a few KB, fast, whatever they hold', () => {
    const context = { server: 's', tool: 't', timeoutMs: 1_000 };
    const start = performance.now();
    const error = mapCallError(new McpError(ErrorCode.InternalError, 'token.'.repeat(11_000), { blob: 'x'.repeat(100_000) }), context);
    const envelope = error.toJSON();
    expect(performance.now() - start).toBeLessThan(200);
    expect(envelope.error.message.length).toBeLessThanOrEqual(ERROR_TEXT_MAX_CHARS + TRUNCATED_MARKER.length);
    expect(envelope.error.message.endsWith(TRUNCATED_MARKER)).toBe(true);
    expect(JSON.stringify(envelope.error.details).length).toBeLessThan(ERROR_TEXT_MAX_CHARS + 200);
  });

  it('keeps small error data as the server sent it', () => {
    const error = mapCallError(new McpError(ErrorCode.InternalError, 'boom', { reason: 'small' }), { server: 's', tool: 't', timeoutMs: 1_000 });
    expect(error.toJSON().error).toMatchObject({ message: 's answered with an error: boom', details: { data: { reason: 'small' } } });
  });

  it('renders any McpoError message at most ERROR_TEXT_MAX_CHARS long', () => {
    expect(new McpoError('INTERNAL', 'y'.repeat(50_000)).toJSON().error.message).toBe(`${'y'.repeat(ERROR_TEXT_MAX_CHARS)}${TRUNCATED_MARKER}`);
  });
});
