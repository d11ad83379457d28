/**
 * What counts as a JSON-RPC message from an MCP server, checked once per message by mcpo's transports (stdio
 * and streamable HTTP). The SDK's transports run the full zod union (JSONRPCMessageSchema) on every message,
 * and its Protocol then matches each message against the same schemas again to dispatch it: paying that twice
 * was 2-3% of mcpo's CPU per call. Here a message the schema would accept unchanged passes a few property
 * tests; anything else still goes through the SDK's schema, so what is refused, and how, stays the SDK's.
 */
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { McpoError } from '../errors.js';

/** An event or body from the server that is not a JSON-RPC message (the cause says why: JSON, or the schema). */
export class NotJsonRpcError extends McpoError {
  constructor(reason: string, cause?: unknown) {
    super('UPSTREAM_ERROR', `the server sent something that is not a JSON-RPC 2.0 message: ${reason}`, cause === undefined ? {} : { cause });
  }
}

/** `value` as a JSON-RPC message: as it is when plainly one, else as the SDK's schema parses it (throws its ZodError). */
export function toJsonRpcMessage(value: unknown): JSONRPCMessage {
  const message = withoutNullId(value);
  return isPlainMessage(message) ? message : JSONRPCMessageSchema.parse(message);
}

/**
 * JSON-RPC 2.0 §5: an error answering a request whose id could not be read carries `"id": null` (the SDK's own
 * server sends those); the SDK's schema knows such an error only without an id. Same meaning, so it is let through.
 */
function withoutNullId(value: unknown): unknown {
  if (!isObject(value) || value.id !== null || !('error' in value) || 'method' in value) return value;
  const { id: _null, ...rest } = value;
  return rest;
}

/** One message's text, as the streamable-HTTP transport receives it in an event. Throws NotJsonRpcError. */
export function parseJsonRpcMessage(text: string): JSONRPCMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NotJsonRpcError('invalid JSON', error);
  }
  return asJsonRpcMessage(value);
}

/** An already parsed value (a JSON answer may hold one message or a batch). Throws NotJsonRpcError. */
export function asJsonRpcMessage(value: unknown): JSONRPCMessage {
  try {
    return toJsonRpcMessage(value);
  } catch (error) {
    throw new NotJsonRpcError('it does not match the JSON-RPC message schema', error);
  }
}

/** A response (result or error) to one of our requests: its id, or undefined for any other message. */
export function responseId(message: JSONRPCMessage): string | number | undefined {
  if (!('result' in message) && !('error' in message)) return undefined;
  const id = (message as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

type Json = Record<string, unknown>;

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);
const ERROR_OBJECT_KEYS = new Set(['code', 'message', 'data']);

/**
 * Whether the SDK's JSONRPCMessageSchema accepts `value` and returns it unchanged: a request, notification, result
 * or error with no key besides the schema's (it is strict). False for anything it would refuse or reshape (unknown
 * keys in an error object are dropped; `_meta` is checked in depth), which is then left to the schema.
 */
export function isPlainMessage(value: unknown): value is JSONRPCMessage {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if (typeof value.method === 'string') {
    return onlyKeys(value, REQUEST_KEYS) && (!('id' in value) || isId(value.id)) && (!('params' in value) || isObjectWithoutMeta(value.params));
  }
  if ('result' in value) return onlyKeys(value, RESULT_KEYS) && isId(value.id) && isObjectWithoutMeta(value.result);
  if ('error' in value) {
    const error = value.error;
    return (
      onlyKeys(value, ERROR_KEYS) &&
      (!('id' in value) || isId(value.id)) &&
      isObject(error) &&
      onlyKeys(error, ERROR_OBJECT_KEYS) &&
      Number.isSafeInteger(error.code) &&
      typeof error.message === 'string'
    );
  }
  return false;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjectWithoutMeta(value: unknown): boolean {
  return isObject(value) && !('_meta' in value);
}

/** The schema's RequestIdSchema: a string or an integer (zod 4's int() is a safe integer). */
function isId(value: unknown): boolean {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

function onlyKeys(value: Json, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}
