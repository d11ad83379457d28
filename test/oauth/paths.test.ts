import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { McpoOAuthError } from '../../src/oauth/errors.js';
import { canonicalServerUrl, resolveMcpoHome, tokenFileName, tokensDir } from '../../src/oauth/store/paths.js';

describe('resolveMcpoHome', () => {
  it('uses MCPO_HOME when it is set', () => {
    expect(resolveMcpoHome({ MCPO_HOME: '/srv/mcpo' }, '/home/ada')).toBe('/srv/mcpo');
  });

  it('falls back to ~/.mcpo when MCPO_HOME is unset or blank', () => {
    expect(resolveMcpoHome({}, '/home/ada')).toBe(path.join('/home/ada', '.mcpo'));
    expect(resolveMcpoHome({ MCPO_HOME: '  ' }, '/home/ada')).toBe(path.join('/home/ada', '.mcpo'));
  });

  it('expands a leading ~/ in MCPO_HOME with the given home folder', () => {
    expect(resolveMcpoHome({ MCPO_HOME: '~/state/mcpo' }, '/home/ada')).toBe(path.join('/home/ada', 'state/mcpo'));
  });

  it('puts token files under <home>/tokens', () => {
    expect(tokensDir('/srv/mcpo')).toBe(path.join('/srv/mcpo', 'tokens'));
  });
});

describe('canonicalServerUrl', () => {
  it.each([
    ['HTTPS://Example.COM/mcp', 'https://example.com/mcp'],
    ['https://example.com:443/mcp', 'https://example.com/mcp'],
    ['http://example.com:80/mcp', 'http://example.com/mcp'],
    ['https://example.com/mcp/', 'https://example.com/mcp'],
    ['https://example.com/mcp#section', 'https://example.com/mcp'],
    ['https://example.com/', 'https://example.com'],
    ['https://example.com', 'https://example.com'],
    ['https://user:pass@example.com/mcp', 'https://example.com/mcp'],
  ])('treats %s as %s', (input, canonical) => {
    expect(canonicalServerUrl(input)).toBe(canonical);
  });

  it('keeps non-default ports, path case and the query', () => {
    expect(canonicalServerUrl('https://example.com:8443/MCP?tenant=a')).toBe('https://example.com:8443/MCP?tenant=a');
  });

  it('rejects relative and non-http URLs without echoing them', () => {
    for (const bad of ['/mcp', 'not a url', 'file:///etc/passwd', 'ftp://secret@host/']) {
      let caught: unknown;
      try {
        canonicalServerUrl(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(McpoOAuthError);
      expect((caught as McpoOAuthError).reason).toBe('invalid_server_url');
      expect((caught as Error).message).not.toContain('secret');
    }
  });
});

describe('tokenFileName', () => {
  it('is a SHA-256 hex name with a .json suffix', () => {
    expect(tokenFileName('https://example.com/mcp', 'dynamic')).toMatch(/^[0-9a-f]{64}\.json$/);
  });

  it('gives equivalent spellings of one server the same file', () => {
    const name = tokenFileName('https://example.com/mcp', 'dynamic');
    expect(tokenFileName('HTTPS://EXAMPLE.com:443/mcp/#x', 'dynamic')).toBe(name);
  });

  it('gives two servers, or two client identities of one server, different files', () => {
    const names = new Set([
      tokenFileName('https://example.com/mcp', 'dynamic'),
      tokenFileName('https://example.com/other', 'dynamic'),
      tokenFileName('https://example.com:8443/mcp', 'dynamic'),
      tokenFileName('https://example.com/mcp', 'client-123'),
      tokenFileName('https://example.com/mcp', 'https://app.example/client.json'),
    ]);
    expect(names.size).toBe(5);
  });

  it('keeps the operator\'s file names of before users existed, so their saved tokens are still found', () => {
    // Pinned literally: a change to the hash input would orphan every token file saved so far.
    expect(tokenFileName('https://example.com/mcp', 'dynamic')).toBe(`${createHash('sha256').update('https://example.com/mcp\ndynamic').digest('hex')}.json`);
    expect(tokenFileName('https://example.com/mcp', 'dynamic', undefined)).toBe(tokenFileName('https://example.com/mcp', 'dynamic'));
  });

  it('gives each user of a per-user server a file of their own, apart from the operator\'s', () => {
    const names = new Set([
      tokenFileName('https://example.com/mcp', 'dynamic'),
      tokenFileName('https://example.com/mcp', 'dynamic', 'alice'),
      tokenFileName('https://example.com/mcp', 'dynamic', 'bob'),
      tokenFileName('https://example.com/mcp', 'dynamic', ''),
      tokenFileName('https://example.com/mcp', 'dynamic', '../../etc/passwd'),
    ]);
    expect(names.size).toBe(5);
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{64}\.json$/);
  });
});
