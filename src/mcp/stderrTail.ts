import { redactText } from '../log/redactText.js';

/**
 * The last lines a stdio child wrote to stderr, kept to explain why it failed. They end up in /healthz,
 * 503 bodies and the log, so what looks like a secret (a bearer token, key=value with a secret-sounding
 * key) is redacted, and each line is cut to STDERR_LINE_MAX_CHARS, as the line is kept.
 *
 * What a crash prints is mostly noise: a Node stack dump ends with ten "    at …" frames, an object dump
 * and "Node.js v20…"; a Python traceback with "  File …" frames and source excerpts. Those lines are not
 * kept at all (so a long dump cannot push out the line that matters), and the suffix names the lines that
 * read like the error itself ("Error: Cannot find module 'x'", "ModuleNotFoundError: No module named 'foo'"),
 * or the last lines when none does.
 */
export const STDERR_LINES_KEPT = 20;
/** Longest stderr line kept; the rest is cut (a child may print a whole JSON document on one line). */
export const STDERR_LINE_MAX_CHARS = 300;
/** Lines the suffix names at most. */
export const STDERR_LINES_SHOWN = 3;

/** Lines that never explain anything on their own: stack frames, traceback furniture, version footers. */
const NOISE: readonly RegExp[] = [
  /^\s+at\s/, // JavaScript stack frame
  /^Traceback \(most recent call last\):/,
  /^\s*[\^~]+\s*$/, // caret lines under a source excerpt (Node, Python 3.11+)
  /^Node\.js v\d/, // the footer of Node's fatal-exception dump
  /^\s*[{}[\]](?:,)?\s*$/, // the braces of an error's printed properties
  /^\s*\.\.\.\s*\d+ lines? matching cause stack trace/,
];

/**
 * What may follow a line: after the location header of Node's fatal dump ("/app/server.js:12"), the source
 * line it points at; after a Python frame, an indented source line (frozen frames have none, and the
 * exception line itself may come next).
 */
const NODE_LOCATION = /^(?:node:|file:\/\/|\/|[A-Za-z]:\\)\S*:\d+$/;
const PYTHON_FRAME = /^\s*File ".*", line \d+/;
type Expect = 'anything' | 'source line' | 'indented source line';

/** Lines that read like the error itself: an error class ("TypeError: …", "Error: …") or an error word. */
const ERROR_CLASS = /[A-Za-z]*(?:Error|Exception)\b/;
const ERROR_WORDS = /\b(?:error|fatal|panic|failed|cannot|can't|unable to|not found|no such file|permission denied|denied|missing|invalid)\b|\bERR!/i;

export class StderrTail {
  private readonly lines: string[] = [];
  private next: Expect = 'anything';

  constructor(private readonly keep = STDERR_LINES_KEPT) {}

  push(line: string): void {
    // The source line a location points at is not the error, whatever it says ("throw new Error(…)").
    const excerpt = this.next === 'source line' || (this.next === 'indented source line' && /^\s/.test(line));
    this.next = NODE_LOCATION.test(line) ? 'source line' : PYTHON_FRAME.test(line) ? 'indented source line' : 'anything';
    if (excerpt || this.next !== 'anything' || NOISE.some((pattern) => pattern.test(line))) return;
    this.lines.push(cut(redactText(line.trim())));
    if (this.lines.length > this.keep) this.lines.shift();
  }

  /** Forgets what earlier runs wrote: a new child's failure is explained by its own lines only. */
  clear(): void {
    this.lines.length = 0;
    this.next = 'anything';
  }

  /** The lines that explain a failure: the last ones that read like an error, else the last ones; at most STDERR_LINES_SHOWN. */
  explaining(): string[] {
    const errors = unique(this.lines.filter((line) => ERROR_CLASS.test(line) || ERROR_WORDS.test(line)));
    return (errors.length ? errors : unique(this.lines)).slice(-STDERR_LINES_SHOWN);
  }

  /** " (stderr: a | b)" naming the explaining lines, or "" when the child wrote nothing worth showing. */
  suffix(): string {
    const lines = this.explaining();
    return lines.length ? ` (stderr: ${lines.join(' | ')})` : '';
  }
}

function cut(line: string): string {
  return line.length > STDERR_LINE_MAX_CHARS ? `${line.slice(0, STDERR_LINE_MAX_CHARS - 1)}…` : line;
}

/** Each line once, at its last place: a server that crashes the same way on every restart says it once. */
function unique(lines: readonly string[]): string[] {
  return lines.filter((line, at) => lines.lastIndexOf(line) === at);
}
