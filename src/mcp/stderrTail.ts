import { redactText } from '../log/redactText.js';

/**
 * The last lines a stdio child wrote to stderr, kept to explain why it failed. They end up in /healthz
 * and 503 bodies, so what looks like a secret (a bearer token, key=value with a secret-sounding key) is
 * redacted as the line is kept.
 */
export const STDERR_LINES_KEPT = 20;

export class StderrTail {
  private readonly lines: string[] = [];

  constructor(private readonly keep = STDERR_LINES_KEPT) {}

  push(line: string): void {
    this.lines.push(redactText(line));
    if (this.lines.length > this.keep) this.lines.shift();
  }

  /** " (last stderr: a | b | c)" for the last three lines, or "" when there are none. */
  suffix(): string {
    return this.lines.length ? ` (last stderr: ${this.lines.slice(-3).join(' | ')})` : '';
  }
}
