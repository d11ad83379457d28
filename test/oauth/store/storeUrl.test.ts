import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { parseStorePrefix, parseStoreUrl } from '../../../src/oauth/store/redis/storeUrl.js';

describe('parseStoreUrl', () => {
  it('reads redis:// and rediss:// addresses, and shows them without the password', () => {
    expect(parseStoreUrl('redis://:pw@cache.internal:6380/2', '--store')).toMatchObject({ tls: false, db: 2, shown: 'redis://cache.internal:6380/2' });
    expect(parseStoreUrl('rediss://user:pw@cache.internal', 'MCPO_STORE')).toMatchObject({ tls: true, db: 0, shown: 'rediss://cache.internal/0' });
  });

  it('takes the password from MCPO_STORE_PASSWORD unless the URL has one', () => {
    expect(new URL(parseStoreUrl('redis://h:1/0', '--store', 'from env').url).password).toBe('from%20env');
    expect(new URL(parseStoreUrl('redis://:inurl@h:1/0', '--store', 'from env').url).password).toBe('inurl');
  });

  it.each([
    ['not a url', 'not a URL'],
    ['http://h:1/0', 'only redis:// and rediss://'],
    ['redis://h:1/zero', 'the database "zero" is not a number'],
    ['redis://h:1/0?x=1', 'must not have a query'],
  ])('refuses %s, naming where it was written', (raw, problem) => {
    expect(() => parseStoreUrl(raw, 'config.json: store')).toThrow(UsageError);
    expect(() => parseStoreUrl(raw, 'config.json: store')).toThrow(`config.json: store: `);
    expect(() => parseStoreUrl(raw, 'config.json: store')).toThrow(problem);
  });

  it('never repeats a password in its errors', () => {
    expect(() => parseStoreUrl('redis://:hunter2@h:1/x', '--store')).toThrow(/^(?!.*hunter2)/s);
  });

  it('checks key prefixes', () => {
    expect(parseStorePrefix('team-a:mcpo:', '--store-prefix')).toBe('team-a:mcpo:');
    expect(() => parseStorePrefix('has space', '--store-prefix')).toThrow('--store-prefix: a key prefix');
    expect(() => parseStorePrefix('team*', '--store-prefix')).toThrow(UsageError);
    expect(() => parseStorePrefix('', '--store-prefix')).toThrow(UsageError);
  });
});
