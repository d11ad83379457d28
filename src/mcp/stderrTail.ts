/** The last lines a stdio child wrote to stderr, kept to explain why it failed. */
export const STDERR_LINES_KEPT = 20;

export class StderrTail {
  private readonly lines: string[] = [];

  constructor(private readonly keep = STDERR_LINES_KEPT) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }

  /** " (last stderr: a | b | c)" for the last three lines, or "" when there are none. */
  suffix(): string {
    return this.lines.length ? ` (last stderr: ${this.lines.slice(-3).join(' | ')})` : '';
  }
}
