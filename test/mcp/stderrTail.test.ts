import { describe, expect, it } from 'vitest';
import { redactText as redactLine } from '../../src/log/redactText.js';
import { STDERR_LINE_MAX_CHARS, StderrTail } from '../../src/mcp/stderrTail.js';

const tailOf = (text: string, keep?: number) => {
  const tail = new StderrTail(keep);
  for (const line of text.split('\n')) if (line) tail.push(line);
  return tail;
};

describe('stderr tail', () => {
  it('redacts bearer credentials and secret-looking assignments, keeping the rest of the line', () => {
    expect(redactLine('request failed: Authorization: Bearer abcdef123456.xyz')).toBe('request failed: Authorization: [redacted]');
    expect(redactLine('sent Bearer abcdef123456.xyz upstream')).toBe('sent Bearer [redacted] upstream');
    expect(redactLine('using GITHUB_TOKEN=ghp_123456789 for api')).toBe('using GITHUB_TOKEN=[redacted] for api');
    expect(redactLine('{"api_key": "sk-live-1234"}')).toBe('{"api_key": "[redacted]"}');
    expect(redactLine('password: hunter2, user: bob')).toBe('password: [redacted], user: bob');
    expect(redactLine('Error: connect ECONNREFUSED 127.0.0.1:5432')).toBe('Error: connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('redacts what it keeps', () => {
    const tail = new StderrTail();
    tail.push('boom: token=abc123secret');
    expect(tail.suffix()).toBe(' (stderr: boom: token=[redacted])');
  });

  it('names the last three lines when none reads like an error', () => {
    expect(tailOf('line 1\nline 2\nline 3\nline 4\nline 5\nline 6', 4).suffix()).toBe(' (stderr: line 4 | line 5 | line 6)');
    expect(new StderrTail().suffix()).toBe('');
  });

  it("names the error of Node's fatal-exception dump, not its stack frames, properties or version footer", () => {
    const dump = [
      'node:internal/modules/cjs/loader:1210',
      '  throw err;',
      '  ^',
      '',
      "Error: Cannot find module 'nope-not-here'",
      'Require stack:',
      '- /tmp/[eval]',
      ...Array.from({ length: 10 }, (_, i) => `    at Module._load (node:internal/modules/cjs/loader:${1000 + i}:27)`),
      '    at evalScript (node:internal/process/execution:133:3) {',
      "  code: 'MODULE_NOT_FOUND',",
      "  requireStack: [ '/tmp/[eval]' ]",
      '}',
      '',
      'Node.js v20.20.2',
    ].join('\n');
    // Kept even with a window of 5 lines: the frames never take a place in it.
    expect(tailOf(dump, 5).suffix()).toBe(" (stderr: Error: Cannot find module 'nope-not-here')");
  });

  it('names the source of an error a Node script throws, not the line of code that throws it', () => {
    const dump = ['/srv/app/server.js:3', "  throw new Error('no database URL configured');", '  ^', '', 'Error: no database URL configured', '    at Object.<anonymous> (/srv/app/server.js:3:9)'];
    expect(tailOf(dump.join('\n')).suffix()).toBe(' (stderr: Error: no database URL configured)');
  });

  it("names a Python traceback's exception, also after frozen frames without source lines", () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/srv/server.py", line 2, in <module>',
      '    import mcp_server_thing',
      '  File "<frozen importlib._bootstrap>", line 1176, in _find_and_load',
      '  File "<frozen importlib._bootstrap>", line 1140, in _find_and_load_unlocked',
      "ModuleNotFoundError: No module named 'mcp_server_thing'",
    ];
    expect(tailOf(traceback.join('\n')).suffix()).toBe(" (stderr: ModuleNotFoundError: No module named 'mcp_server_thing')");
  });

  it('names both exceptions of a chained Python traceback, once each however often the server crashed', () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/srv/db.py", line 9, in connect',
      '    sock.connect(addr)',
      'ConnectionRefusedError: [Errno 111] Connection refused',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "/srv/server.py", line 4, in <module>',
      '    raise RuntimeError("database unreachable")',
      'RuntimeError: database unreachable',
    ].join('\n');
    const tail = tailOf(`${traceback}\n${traceback}`);
    expect(tail.suffix()).toBe(' (stderr: ConnectionRefusedError: [Errno 111] Connection refused | RuntimeError: database unreachable)');
  });

  it('cuts a long line', () => {
    const tail = new StderrTail();
    tail.push(`Error: ${'x'.repeat(5_000)}`);
    const [line] = tail.explaining();
    expect(line).toHaveLength(STDERR_LINE_MAX_CHARS);
    expect(line!.endsWith('…')).toBe(true);
  });
});
