import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { SseEventTooLargeError, SseParser, type SseEvent } from '../../src/mcp/http/sseParser.js';

function parse(chunks: Array<string | Buffer>, options: { maxEventBytes?: number } = {}): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) }, options);
  for (const chunk of chunks) parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  parser.end();
  return { events, retries };
}

/** The SDK's pipeline (TextDecoderStream, which drops a BOM, then eventsource-parser): the reference our byte parser must agree with. */
function reference(stream: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (e) => events.push({ data: e.data, ...(e.id === undefined ? {} : { id: e.id }), ...(e.event === undefined ? {} : { event: e.event }) }),
  });
  parser.feed(new TextDecoder().decode(Buffer.from(stream)));
  return events;
}

/** `bytes` in chunks of `size` bytes, as a socket delivers a long body. */
function chunksOf(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

/** Splits `bytes` at the given offsets. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    out.push(bytes.subarray(from, cut));
    from = cut;
  }
  out.push(bytes.subarray(from));
  return out;
}

const STREAMS = [
  'event: message\nid: 1\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n',
  'data: first\ndata: second\n\ndata: third\n\n',
  'id: prime\ndata: \n\nid: 2\nevent: message\ndata: {"a":"ünïcødé ✓ 𝄞"}\n\n',
  ': keep-alive\n\ndata: after comment\r\n\r\ndata: cr only\r\rdata:no space\n\n',
  'retry: 1500\nid: x\0y\ndata: nul id ignored\n\nfield-without-colon\ndata\n\n',
  'event:\ndata: empty event name\n\ndata: unfinished at the end',
  '\ufeffdata: after a BOM, CR line ends\r\rdata:  two spaces keep one\r\r\n',
  'id:\ndata: empty id\n\nDATA: field names are case-sensitive\ndata\ndata\n\n',
  'event: a\nevent: b\ndata: the last event name wins\r\n\r\n:only a comment\r\n\r\nretry: 12x\ndata: y\n\n',
];

describe('SseParser', () => {
  it('reads a JSON-RPC message event with its id and type', () => {
    const { events } = parse([STREAMS[0]!]);
    expect(events).toEqual([{ event: 'message', id: '1', data: '{"jsonrpc":"2.0","id":1,"result":{}}' }]);
  });

  it('joins data lines with a newline and delivers one event per blank line', () => {
    expect(parse([STREAMS[1]!]).events).toEqual([{ data: 'first\nsecond' }, { data: 'third' }]);
  });

  it('agrees with the SDK parser on every stream, whole and cut at every byte', () => {
    for (const stream of STREAMS) {
      const bytes = Buffer.from(stream);
      const expected = reference(stream);
      expect(parse([bytes]).events).toEqual(expected);
      for (let cut = 1; cut < bytes.length; cut++) expect(parse(split(bytes, [cut])).events, `${JSON.stringify(stream)} cut at ${cut}`).toEqual(expected);
      expect(parse([...bytes].map((b) => Buffer.from([b]))).events).toEqual(expected);
    }
  });

  it('decodes a character whose UTF-8 bytes arrive in different chunks', () => {
    const bytes = Buffer.from('data: 𝄞é\n\n');
    const chunks = split(bytes, [7, 8, 9, 11]); // inside the 4-byte clef and the 2-byte é
    expect(parse(chunks).events).toEqual([{ data: '𝄞é' }]);
  });

  it('treats CR then LF in the next chunk as one line end, not a blank line', () => {
    expect(parse(['data: a\r', '\ndata: b\r', '\n\r', '\n']).events).toEqual([{ data: 'a\nb' }]);
  });

  it('keeps CR and LF as one line end across an empty chunk between them (regression: the empty chunk forgot the CR)', () => {
    expect(parse(['data: a\r', '', '\ndata: b\n\n']).events).toEqual(reference('data: a\r\ndata: b\n\n'));
  });

  it('dispatches an event whose blank line is a CR ending the stream (WHATWG; eventsource-parser waits for a byte that never comes)', () => {
    expect(parse(['data: last\r\r']).events).toEqual([{ data: 'last' }]);
  });

  it('drops a byte-order mark at the start, even when it is split', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(parse([bom.subarray(0, 1), Buffer.concat([bom.subarray(1), Buffer.from('data: x\n\n')])]).events).toEqual([{ data: 'x' }]);
  });

  it('reports a valid retry field and ignores an invalid one', () => {
    expect(parse(['retry: 250\n', 'retry: soon\n\n']).retries).toEqual([250]);
  });

  it('ignores an id without data (no event) and an id containing NUL', () => {
    expect(parse(['id: only\n\n', 'id: a\0b\ndata: x\n\n']).events).toEqual([{ data: 'x' }]);
  });

  it('refuses an event larger than the limit, in data lines or in one unfinished line', () => {
    expect(() => parse(['data: 0123456789\n', 'data: 0123456789\n'], { maxEventBytes: 16 })).toThrow(SseEventTooLargeError);
    expect(() => parse(['data: 0123456789', '0123456789'], { maxEventBytes: 16 })).toThrow(SseEventTooLargeError);
    expect(parse(['data: 0123456789\n\n', 'data: 0123456789\n\n'], { maxEventBytes: 16 }).events).toHaveLength(2);
  });

  it('reads a 16 MB answer arriving in 16 KB chunks in well under a second (regression: each chunk copied the whole line again)', () => {
    const payload = 'x'.repeat(16 * 1024 * 1024);
    const started = performance.now();
    const { events } = parse(chunksOf(Buffer.from(`data: ${payload}\n\n`), 16 * 1024));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(events.map((e) => e.data.length)).toEqual([payload.length]);
  });

  it('reads a chunk of many lines without a colon in linear time (regression: each line searched the rest of the chunk for one)', () => {
    const bytes = Buffer.from(`${'data\n'.repeat(400_000)}\n`);
    const started = performance.now();
    const { events } = parse([bytes]);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(events).toEqual([{ data: '\n'.repeat(399_999) }]);
  });
});
