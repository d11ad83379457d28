import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyHashOf } from '../../src/config/users.js';
import { UserKeys } from '../../src/server/userKeys.js';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

describe("users' keys", () => {
  it('finds each user by the digest of their key, wherever they are in the list, and no one for another key', () => {
    const users = Array.from({ length: 50 }, (_, i) => ({ name: `user${i}`, keyHash: keyHashOf(`key-${i}`) }));
    const keys = new UserKeys(users);
    expect(keys.size).toBe(50);
    for (let i = 0; i < 50; i++) expect(keys.match(digest(`key-${i}`))).toBe(`user${i}`);
    expect(keys.match(digest('key-50'))).toBeUndefined();
    // A digest differing from a user's in its last bit only.
    const near = digest('key-7');
    near[31] = near[31]! ^ 1;
    expect(keys.match(near)).toBeUndefined();
    expect(keys.match(Buffer.alloc(32))).toBeUndefined();
  });

  it('follows replace(): the new list only, and nobody once empty', () => {
    const keys = new UserKeys([{ name: 'alice', keyHash: keyHashOf('a') }]);
    keys.replace([{ name: 'bob', keyHash: keyHashOf('b') }]);
    expect(keys.match(digest('a'))).toBeUndefined();
    expect(keys.match(digest('b'))).toBe('bob');
    keys.replace([]);
    expect(keys.size).toBe(0);
    expect(keys.match(digest('b'))).toBeUndefined();
  });
});
