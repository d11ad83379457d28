/**
 * Secret redaction runs on text the upstream controls (stderr lines, JSON-RPC error messages, HTTP error
 * bodies up to 64 KiB), so it must stay linear. Issue #14, item 1: the assignment regex was cubic on
 * `token.token.…` (8 KB took 7.7 s and froze every route).
 */
import { describe, expect, it } from 'vitest';
import { REDACT_MAX_CHARS, redactText, TRUNCATED_MARKER, truncateText } from '../../src/log/redactText.js';

/** Milliseconds `fn` takes, the best of `runs` (the machine is shared: the best run is the cost). */
function timed(fn: () => void, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe('redactText', () => {
  it('redacts 64 KiB of `token.token.…` (the ReDoS input of issue #14) in well under 100 ms', () => {
    const attack = 'token.'.repeat(Math.ceil(65_536 / 6));
    const ms = timed(() => redactText(attack), 1);
    expect(ms).toBeLessThan(200);
  });

  it('stays fast on other shapes an upstream could send: long keys, many assignments, long separators', () => {
    const shapes = [
      `${'a'.repeat(60_000)}token${'b'.repeat(5_000)}`,
      'password=x '.repeat(6_000),
      `token${' '.repeat(60_000)}x`,
      `"secret"${': '.repeat(30_000)}`,
      'Bearer '.repeat(9_000),
    ];
    for (const text of shapes) expect(timed(() => redactText(text), 1)).toBeLessThan(200);
  });

  it('scans only the first REDACT_MAX_CHARS characters and says the rest was cut', () => {
    const long = `token=abc ${'x'.repeat(10_000)} password=tail-secret`;
    const out = redactText(long);
    expect(out.startsWith('token=[redacted] ')).toBe(true);
    expect(out.endsWith(TRUNCATED_MARKER)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(REDACT_MAX_CHARS + TRUNCATED_MARKER.length + 'token=[redacted]'.length);
    expect(out).not.toContain('tail-secret');
  });

  it('redacts what the regex did: keys with prefixes and suffixes, quoted values, Bearer after the key', () => {
    expect(redactText('GITHUB_TOKEN=ghp_1 x.api-key: "k2" Authorization: Bearer abcdefghijk')).toBe(
      'GITHUB_TOKEN=[redacted] x.api-key: "[redacted]" Authorization: [redacted]',
    );
    expect(redactText("{'client_secret': 'cs', 'user': 'bob'}")).toBe("{'client_secret': '[redacted]', 'user': 'bob'}");
    expect(redactText('Basic dXNlcjpwYXNzd29yZA== and tokens are fine')).toBe('Basic [redacted] and tokens are fine');
    expect(redactText('token.token.token=value')).toBe('token.token.token=[redacted]');
    expect(redactText('token="" next')).toBe('token="" next');
  });

  it('hides a whole quoted value, a JSON object or array value, and JWTs wherever they stand (review of #14)', () => {
    // Before: the value stopped at the first space, quote or delimiter, and the rest leaked.
    expect(redactText('{"password": "correct horse battery staple", "user": "ada"}')).toBe('{"password": "[redacted]", "user": "ada"}');
    expect(redactText('token="hunter2;rest" ok')).toBe('token="[redacted]" ok');
    expect(redactText('"token": "a\\"bcdef" z')).toBe('"token": "[redacted]" z');
    expect(redactText('{"credentials": {"value":"s3cr3t"}, "x": 1}')).toBe('{"credentials": [redacted], "x": 1}');
    expect(redactText('private_key=AAAA cookie: a=b')).toBe('private_key=[redacted] cookie: [redacted]');
    expect(redactText("invalid token 'eyJhbGciOi.eyJzdWIiOi.sig_part' here")).toBe("invalid token '[redacted]' here");
  });

  it('stays linear on an unclosed quote or bracket', () => {
    const started = performance.now();
    redactText(`password: "${'a'.repeat(200_000)}`);
    redactText(`credential: ${'['.repeat(200_000)}`);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('truncateText cuts at a surrogate pair boundary and marks the cut', () => {
    expect(truncateText('short', 10)).toBe('short');
    expect(truncateText('abcdef', 3)).toBe(`abc${TRUNCATED_MARKER}`);
    expect(truncateText('ab😀cd', 3)).toBe(`ab${TRUNCATED_MARKER}`);
  });
});
