import { describe, expect, it } from 'vitest';
import { redactText as redactLine } from '../../src/log/redactText.js';
import { StderrTail } from '../../src/mcp/stderrTail.js';

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
    expect(tail.suffix()).toBe(' (last stderr: boom: token=[redacted])');
  });

  it('keeps the last lines only and names the last three in the suffix', () => {
    const tail = new StderrTail(4);
    for (const n of [1, 2, 3, 4, 5, 6]) tail.push(`line ${n}`);
    expect(tail.suffix()).toBe(' (last stderr: line 4 | line 5 | line 6)');
    expect(new StderrTail().suffix()).toBe('');
  });
});
