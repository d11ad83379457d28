/**
 * The transport-level check of a message from an MCP server. The SDK's transports run the full zod union
 * (JSONRPCMessageSchema) on every message; its Protocol then matches each message against the same
 * schemas again to dispatch it, and reports anything that fits none as an error. The transport only needs
 * to know it holds a JSON-RPC 2.0 object, so the second, identical validation is not paid twice.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpoError } from '../../errors.js';

/** A line or event from the server that is not a JSON-RPC 2.0 message. */
export class NotJsonRpcError extends McpoError {
  constructor(reason: string, cause?: unknown) {
    super('UPSTREAM_ERROR', `the server sent something that is not a JSON-RPC 2.0 message: ${reason}`, cause === undefined ? {} : { cause });
  }
}

/** Parses one message's text. Throws NotJsonRpcError. */
export function parseJsonRpcMessage(text: string): JSONRPCMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NotJsonRpcError('invalid JSON', error);
  }
  return asJsonRpcMessage(value);
}

/** Checks an already parsed value (a JSON response body may hold one message or a batch of them). */
export function asJsonRpcMessage(value: unknown): JSONRPCMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new NotJsonRpcError('not an object');
  if ((value as { jsonrpc?: unknown }).jsonrpc !== '2.0') throw new NotJsonRpcError('"jsonrpc" is not "2.0"');
  return value as JSONRPCMessage;
}

/** A response (result or error) to one of our requests: its id, or undefined for any other message. */
export function responseId(message: JSONRPCMessage): string | number | undefined {
  if (!('result' in message) && !('error' in message)) return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
