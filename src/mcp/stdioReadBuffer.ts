/**
 * The SDK's stdio read buffer (shared/stdio.js ReadBuffer: the child's stdout cut into lines, each parsed as one
 * JSON-RPC message), but each message is checked by jsonRpcMessage.ts rather than by the SDK's zod schema alone
 * (see there why); what is refused, the error reported for it and the message delivered stay the SDK's own.
 */
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { toJsonRpcMessage } from './jsonRpcMessage.js';

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
  return toJsonRpcMessage(JSON.parse(line));
}
