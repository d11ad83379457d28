import { describe, expect, it } from 'vitest';
import { joinPath, normalizePrefix } from '../../src/server/paths.js';
import { closeNames } from '../../src/server/suggest.js';

describe('path prefixes', () => {
  it('accepts prefixes with or without slashes and normalizes them', () => {
    expect(normalizePrefix(undefined, 'pathPrefix')).toBe('');
    expect(normalizePrefix('/', 'pathPrefix')).toBe('');
    expect(normalizePrefix('api', 'pathPrefix')).toBe('/api');
    expect(normalizePrefix('/api/v1/', 'pathPrefix')).toBe('/api/v1');
  });

  it('rejects values that are not plain paths, naming the option', () => {
    for (const bad of ['/api?x=1', '/a#b', 'http://host/api', '/a/../b', '/a b']) {
      expect(() => normalizePrefix(bad, 'rootPath'), bad).toThrow(/rootPath must be a URL path/);
    }
  });

  it('joins prefixes into the URLs browsers and documents use', () => {
    expect(joinPath('', '')).toBe('/');
    expect(joinPath('/root', '/api', 'srv', 'openapi.json')).toBe('/root/api/srv/openapi.json');
  });
});

describe('name suggestions', () => {
  it('suggests names one typo or one swap away, and substrings, but not unrelated names', () => {
    const names = ['alpha', 'beta', 'add_numbers', 'echo'];
    expect(closeNames('alpah', names)).toEqual(['alpha']);
    expect(closeNames('ecoh', names)).toEqual(['echo']);
    expect(closeNames('add', names)).toEqual(['add_numbers']);
    expect(closeNames('zzz', names)).toEqual([]);
  });
});
