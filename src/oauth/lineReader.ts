/**
 * Reads lines from a stream with a bound on their length, for the paste flow. node:readline keeps a
 * line in memory until its newline arrives, however long it is: a runaway paste (a binary file piped
 * into stdin, a terminal flooded by mistake) would grow mcpo's memory without limit and then be taken
 * for an authorization code. Here a line longer than `maxLineChars` is dropped as it streams in and
 * reported once, when its newline finally comes, as `{ tooLong: true }`.
 */
import { StringDecoder } from 'node:string_decoder';

/** Longest pasted line kept: 64 KiB characters (a callback URL is a few hundred). */
export const DEFAULT_MAX_PASTED_LINE_CHARS = 64 * 1024;

export type ReadLine = { line: string; tooLong?: false } | { line?: undefined; tooLong: true };

export interface BoundedLineReaderOptions {
  input: NodeJS.ReadableStream;
  /** Default DEFAULT_MAX_PASTED_LINE_CHARS. */
  maxLineChars?: number;
  /** Each complete line (without its CR/LF), or the report of an overlong one. */
  onLine: (line: ReadLine) => void;
  /** The input ended, failed or was destroyed (a last unterminated line is delivered first). */
  onClose: () => void;
}

/** Starts reading; returns a function that stops (detaches from `input`, delivers nothing more). */
export function readBoundedLines(options: BoundedLineReaderOptions): () => void {
  const { input, onLine } = options;
  const max = options.maxLineChars ?? DEFAULT_MAX_PASTED_LINE_CHARS;
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let dropping = false;
  let stopped = false;

  const deliver = (line: string): void => {
    if (dropping) onLine({ tooLong: true });
    else onLine({ line: line.replace(/\r$/, '') });
    dropping = false;
  };
  const onData = (chunk: Buffer | string): void => {
    let text = pending + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    pending = '';
    for (let newline = text.indexOf('\n'); newline !== -1 && !stopped; newline = text.indexOf('\n')) {
      deliver(text.slice(0, newline));
      text = text.slice(newline + 1);
    }
    if (stopped) return;
    if (dropping || text.length > max) dropping = true;
    else pending = text;
  };
  const onEnd = (): void => {
    if (stopped) return;
    const rest = pending + decoder.end();
    if (rest || dropping) deliver(rest);
    if (stopped) return;
    stop();
    options.onClose();
  };
  const stop = (): void => {
    stopped = true;
    input.off('data', onData);
    input.off('end', onEnd);
    input.off('close', onEnd);
    input.off('error', onEnd);
    input.pause(); // as readline's close() does: a flowing stdin would keep the process alive
  };
  input.on('data', onData);
  input.on('end', onEnd);
  input.on('close', onEnd);
  input.on('error', onEnd);
  input.resume();
  return stop;
}
