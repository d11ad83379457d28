/** Issue #14, hardening: debug argument logging redacts by value shape and by more key names. */
import { describe, expect, it } from 'vitest';
import { isSecretKey, redactSecretShapes, redactSecretValues } from '../../src/log/secretValues.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('secret values', () => {
  it('knows secret keys by whole segments of snake, kebab and camel case, not by accident', () => {
    for (const key of ['private_key', 'privateKey', 'PRIVATE-KEY', 'auth', 'x-auth', 'authHeader', 'jwt', 'id_jwt', 'pass', 'db_pass', 'otp', 'otpCode', 'apiKey', 'GITHUB_TOKEN', 'password', 'passphrase']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['path', 'passage', 'passenger', 'author', 'authors', 'hotpot', 'bypass', 'compass', 'key', 'private', 'text', 'name', 'jwtish', 'options']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });

  it('redacts Bearer credentials, JWTs and long high-entropy strings, wherever they are in a string', () => {
    expect(redactSecretShapes('use Bearer abcdefgh12345678 please')).toBe('use Bearer [redacted] please');
    expect(redactSecretShapes(`token is ${JWT}.`)).toBe('token is [redacted].');
    expect(redactSecretShapes('sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a')).toBe('[redacted]');
    expect(redactSecretShapes('sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toBe('sha [redacted]');
  });

  it('keeps ordinary text, long words, paths and UUIDs', () => {
    for (const text of [
      'the quick brown fox jumps over the lazy dog',
      'Pneumonoultramicroscopicsilicovolcanoconiosis_and_more_letters',
      '/home/user/projects/mcpo/src/log/secretValues.ts',
      '123e4567-e89b-12d3-a456-426614174000',
      'https://example.com/a/b?c=d',
      '2026-12-03T18:00:00.000Z',
    ]) {
      expect(redactSecretShapes(text)).toBe(text);
    }
  });

  it('walks objects and arrays: secret keys and secret-shaped values both go', () => {
    expect(redactSecretValues({ query: 'hello', private_key: 'x', nested: [{ header: `Bearer ${JWT}` }, { n: 1 }] })).toEqual({
      query: 'hello',
      private_key: '[redacted]',
      nested: [{ header: 'Bearer [redacted]' }, { n: 1 }],
    });
  });

  it('costs linear time on hostile strings (megabytes of argument)', () => {
    for (const text of ['eyJ-'.repeat(250_000), 'a'.repeat(1_000_000), 'a1'.repeat(15).concat(' ').repeat(30_000), 'Bearer '.repeat(100_000)]) {
      const start = performance.now();
      redactSecretShapes(text);
      expect(performance.now() - start).toBeLessThan(500);
    }
  });
});
