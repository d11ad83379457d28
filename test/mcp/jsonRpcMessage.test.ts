import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { asJsonRpcMessage, NotJsonRpcError, parseJsonRpcMessage, responseId, toJsonRpcMessage } from '../../src/mcp/jsonRpcMessage.js';

describe('the check of a message from a server', () => {
  it('passes a plain message on as the same object, and agrees with the SDK schema on it', () => {
    const plain = [
      { jsonrpc: '2.0', id: 1, result: { content: [] } },
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
      { jsonrpc: '2.0', id: 'a', method: 'ping', params: {} },
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'nope' } },
    ];
    for (const message of plain) {
      expect(toJsonRpcMessage(message)).toBe(message);
      expect(JSONRPCMessageSchema.parse(message)).toEqual(message);
    }
  });

  it('refuses what the SDK schema refuses, naming why', () => {
    for (const bad of [{ jsonrpc: '1.0', id: 1, result: {} }, { jsonrpc: '2.0', id: 1, result: {}, extra: true }, [1], 'text', { jsonrpc: '2.0', id: 1.5, result: {} }]) {
      expect(() => JSONRPCMessageSchema.parse(bad)).toThrow();
      expect(() => asJsonRpcMessage(bad)).toThrow(NotJsonRpcError);
    }
    expect(() => parseJsonRpcMessage('{not json')).toThrow(/invalid JSON/);
  });

  it('reads an error with "id": null (JSON-RPC 2.0 §5: the request id was unreadable) as an error without id', () => {
    const message = toJsonRpcMessage({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    expect(message).toEqual({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } });
    expect(responseId(message)).toBeUndefined();
    expect(() => toJsonRpcMessage({ jsonrpc: '2.0', id: null, result: {} })).toThrow();
  });
});
