/**
 * answerBounds.ts: which answers a transport bounds before parsing them, and, on a stream all answers share, when
 * (issue #14 item 3, one huge tools/list page). The transports' own tests drive real servers; these pin the rules.
 */
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { AnswerBounds, refusedBy, SharedStreamBounds } from '../../src/mcp/answerBounds.js';
import { ToolListError } from '../../src/mcp/toolListError.js';

const bounds = new AnswerBounds({ server: 'demo', maxToolListBytes: 1000 });
const request = (id: number, method: string): JSONRPCMessage => ({ jsonrpc: '2.0', id, method });
const result = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });
const cancelled = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } });

describe('AnswerBounds', () => {
  it('bounds the answer to tools/list, and to nothing else', () => {
    expect(bounds.of(request(1, 'tools/list'))?.maxBytes).toBe(1000);
    expect(bounds.of(request(1, 'tools/call'))).toBeUndefined();
    expect(bounds.of({ jsonrpc: '2.0', method: 'tools/list' })).toBeUndefined();
    expect(bounds.of(result(1))).toBeUndefined();
  });

  it("refuses with an error naming the server, the bound and the key that raises it", () => {
    const error = bounds.of(request(1, 'tools/list'))!.refusal();
    expect(error).toBeInstanceOf(ToolListError);
    expect(error).toMatchObject({ bound: 'bytes', code: 'UPSTREAM_ERROR' });
    expect(error.message).toBe(
      'the tools/list answer of server "demo" passed 1000 bytes (its maxToolListBytes) and was not read further; raise "maxToolListBytes" in the server\'s config entry to accept more',
    );
  });
});

describe('SharedStreamBounds', () => {
  it('bounds the next message only while every request in flight is a bounded one', () => {
    const shared = new SharedStreamBounds(bounds);
    expect(shared.current()).toBeUndefined();
    shared.sent(request(1, 'tools/list'));
    expect(shared.current()).toBe(1000);
    // A tool call's result could be the next message: it must not be cut at a tool list's bound.
    shared.sent(request(2, 'tools/call'));
    expect(shared.current()).toBeUndefined();
    shared.received(result(2));
    expect(shared.current()).toBe(1000);
    shared.sent(request(3, 'ping'));
    shared.sent(cancelled(3));
    expect(shared.current()).toBe(1000);
    shared.received(result(1));
    expect(shared.current()).toBeUndefined();
  });

  it('answers every bounded request in flight when the next message went past the bound, with the error as data', () => {
    const shared = new SharedStreamBounds(bounds);
    shared.sent(request(1, 'tools/list'));
    shared.sent(request(2, 'tools/list'));
    const answers = shared.refuseAll();
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(answers[0]!.error).toMatchObject({ code: ErrorCode.InternalError, message: expect.stringContaining('passed 1000 bytes') });
    expect(answers[0]!.error.data).toBeInstanceOf(ToolListError);
    expect(shared.current()).toBeUndefined();
  });
});

describe('refusedBy', () => {
  it('finds the error a transport threw or carried in a refusal, and not one a server sent as JSON', () => {
    const error = bounds.of(request(1, 'tools/list'))!.refusal();
    expect(refusedBy(error)).toBe(error);
    expect(refusedBy(new McpError(ErrorCode.InternalError, error.message, error))).toBe(error);
    // What a server can send: the same text and fields, as plain JSON.
    const forged = JSON.parse(JSON.stringify({ ...error, message: error.message })) as unknown;
    expect(refusedBy(new McpError(ErrorCode.InternalError, error.message, forged))).toBeUndefined();
    expect(refusedBy(new Error('x'))).toBeUndefined();
  });
});
