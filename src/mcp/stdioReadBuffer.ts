/**
 * The SDK's stdio read buffer (shared/stdio.js ReadBuffer: the child's stdout cut into lines, each parsed as one
 * JSON-RPC message), but a line's shape is checked with a few property tests instead of the SDK's zod schema.
 * That parse of every line was redundant work (about 2-3% of mcpo's CPU per stdio call): the SDK's Protocol checks
 * each message against the same schemas again when it dispatches it, and each result against its request's result
 * schema. Whatever the quick check does not accept as is still goes through the SDK's schema, so what is refused,
 * the error reported for it and the message delivered are the SDK's own.
 */
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface LineReadBufferOptions {
  /** Bytes a line may reach before the buffer gives up on it. Default: the SDK's STDIO_DEFAULT_MAX_BUFFER_SIZE (10 MiB). */
  maxBufferSize?: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Same interface and errors as the SDK's ReadBuffer, which the transport holds and calls. */
export class LineReadBuffer {
  private buffer: Buffer | undefined;
  private readonly maxBufferSize: number;

  constructor(options: LineReadBufferOptions = {}) {
    this.maxBufferSize = options.maxBufferSize ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
  }

  append(chunk: Buffer): void {
    const newSize = (this.buffer?.length ?? 0) + chunk.length;
    if (newSize > this.maxBufferSize) {
      this.clear();
      throw new Error(`ReadBuffer exceeded maximum size of ${this.maxBufferSize} bytes`);
    }
    // Once every line is read the buffer is empty: take the chunk as it is rather than copy it.
    this.buffer = this.buffer?.length ? Buffer.concat([this.buffer, chunk]) : chunk;
  }

  /** The next whole line's message; null until a newline arrives. Throws (and drops the line) if it is not one. */
  readMessage(): JSONRPCMessage | null {
    const buffer = this.buffer;
    if (!buffer) return null;
    const index = buffer.indexOf(NEWLINE);
    if (index === -1) return null;
    // The SDK strips one '\r' from the decoded line; that byte never belongs to a multi-byte UTF-8 character.
    const end = index > 0 && buffer[index - 1] === CARRIAGE_RETURN ? index - 1 : index;
    const line = buffer.toString('utf8', 0, end);
    this.buffer = buffer.subarray(index + 1);
    return parseMessageLine(line);
  }

  clear(): void {
    this.buffer = undefined;
  }
}

/**
 * One line as a JSON-RPC message, as the SDK's deserializeMessage returns it: throws the SyntaxError of a line that
 * is not JSON (a server logging to stdout) and the SDK's ZodError for JSON that is not a message it accepts.
 */
export function parseMessageLine(line: string): JSONRPCMessage {
  const value: unknown = JSON.parse(line);
  return isPlainMessage(value) ? value : JSONRPCMessageSchema.parse(value);
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
