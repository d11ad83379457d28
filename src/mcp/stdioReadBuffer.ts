/**
 * The SDK's stdio read buffer (shared/stdio.js ReadBuffer: the child's stdout cut into lines, each parsed as one
 * JSON-RPC message), but each message is checked by jsonRpcMessage.ts rather than by the SDK's zod schema alone
 * (see there why); what is refused, the error reported for it and the message delivered stay the SDK's own.
 *
 * Two more differences. The unfinished line is kept as its chunks and joined once, when its newline comes (the
 * SDK's buffer copies itself on every chunk). And while every request in flight has an answer bound (a tools/list:
 * answerBounds.ts), a line past that bound is not kept at all: its bytes are dropped up to its newline, and those
 * requests are answered with the bound's error instead. Skipping to the newline is safe on stdio: messages are
 * one line each (MCP: they MUST NOT contain embedded newlines; JSON text escapes its own), so the next line is the
 * next message and the child's other traffic goes on. Closing the connection instead would fail every call in
 * flight and restart the child for what one answer did; the session decides what a refused list costs the server.
 */
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { SharedStreamBounds } from './answerBounds.js';
import { toJsonRpcMessage } from './jsonRpcMessage.js';

export interface LineReadBufferOptions {
  /**
   * Bytes the buffer may hold (whole lines not yet read and the unfinished one) before it gives up, unless only
   * bounded answers are awaited (their bound is a line's then). Default: the SDK's STDIO_DEFAULT_MAX_BUFFER_SIZE (10 MiB).
   */
  maxBufferSize?: number;
  /** The requests in flight and the bound of the next line (stdioTransport.ts keeps it). Default: no bound but maxBufferSize. */
  answers?: SharedStreamBounds;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Same interface and errors as the SDK's ReadBuffer, which the transport holds and calls. */
export class LineReadBuffer {
  /** Whole lines (each ending in a newline) not read yet. */
  private lines: Buffer | undefined;
  /** The chunks of the line whose newline has not come yet. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The line being received went past the answer bound: its bytes are dropped up to its newline. */
  private skipping = false;
  /** Answers to requests whose answer was cut, delivered after the lines that came before the cut. */
  private refusals: JSONRPCMessage[] = [];
  private readonly maxBufferSize: number;
  private readonly answers: SharedStreamBounds | undefined;

  constructor(options: LineReadBufferOptions = {}) {
    this.maxBufferSize = options.maxBufferSize ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
    this.answers = options.answers;
  }

  append(chunk: Buffer): void {
    let bytes = chunk;
    if (this.skipping) {
      const newline = bytes.indexOf(NEWLINE);
      if (newline === -1) return;
      this.skipping = false;
      bytes = bytes.subarray(newline + 1);
    }
    const last = bytes.lastIndexOf(NEWLINE);
    if (last === -1) {
      if (bytes.length > 0) this.partial.push(bytes);
      this.partialBytes += bytes.length;
    } else {
      const whole = bytes.subarray(0, last + 1);
      // Once every line is read and none is unfinished, the chunk is taken as it is rather than copied.
      this.lines = this.lines?.length || this.partial.length ? Buffer.concat([...(this.lines ? [this.lines] : []), ...this.partial, whole]) : whole;
      const rest = bytes.subarray(last + 1);
      this.partial = rest.length > 0 ? [rest] : [];
      this.partialBytes = rest.length;
    }
    const bound = this.answers?.current();
    if (bound !== undefined && this.partialBytes > bound) {
      this.partial = [];
      this.partialBytes = 0;
      this.skipping = true;
      this.refusals.push(...this.answers!.refuseAll());
    }
    // While only bounded answers are awaited, their bound is the line's instead, larger than maxBufferSize or not
    // (a maxToolListBytes above 10 MiB is what a tools/list answer may then take, and past it the refusal says so);
    // the unfinished line was held to it above, and whole lines are judged one by one as they are read.
    if (bound === undefined && (this.lines?.length ?? 0) + this.partialBytes > this.maxBufferSize) {
      this.clear();
      throw new Error(`ReadBuffer exceeded maximum size of ${this.maxBufferSize} bytes`);
    }
  }

  /** The next whole line's message (or a refusal); null until a newline arrives. Throws (and drops the line) if it is not one. */
  readMessage(): JSONRPCMessage | null {
    for (;;) {
      const buffer = this.lines;
      const index = buffer ? buffer.indexOf(NEWLINE) : -1;
      if (!buffer || index === -1) return this.refusals.shift() ?? null;
      this.lines = buffer.subarray(index + 1);
      // A whole line that came in one chunk is judged here, after the lines before it were delivered.
      const bound = this.answers?.current();
      if (bound !== undefined && index > bound) {
        this.refusals.push(...this.answers!.refuseAll());
        const refusal = this.refusals.shift();
        if (refusal) return refusal;
        continue;
      }
      // The SDK strips one '\r' from the decoded line; that byte never belongs to a multi-byte UTF-8 character.
      const end = index > 0 && buffer[index - 1] === CARRIAGE_RETURN ? index - 1 : index;
      const message = parseMessageLine(buffer.toString('utf8', 0, end));
      this.answers?.received(message);
      return message;
    }
  }

  clear(): void {
    this.lines = undefined;
    this.partial = [];
    this.partialBytes = 0;
    this.skipping = false;
    this.refusals = [];
  }
}

/**
 * One line as a JSON-RPC message, as the SDK's deserializeMessage returns it: throws the SyntaxError of a line that
 * is not JSON (a server logging to stdout) and the SDK's ZodError for JSON that is not a message it accepts.
 */
export function parseMessageLine(line: string): JSONRPCMessage {
  return toJsonRpcMessage(JSON.parse(line));
}
