/**
 * The users' keys (the config file's `users`) as the key check compares them: SHA-256 digests, replaced as a whole
 * when a hot reload brings a new list, so a request sees either the old list or the new one.
 */
import { timingSafeEqual } from 'node:crypto';
import type { UserEntry } from '../config/users.js';

interface UserKey {
  readonly name: string;
  readonly digest: Buffer;
}

export class UserKeys {
  private keys: readonly UserKey[] = [];

  constructor(users: readonly UserEntry[] = []) {
    this.replace(users);
  }

  /** From now on, these users (validated entries: `sha256:` and 64 hex digits). */
  replace(users: readonly UserEntry[]): void {
    this.keys = users.map((user) => ({ name: user.name, digest: Buffer.from(user.keyHash.slice('sha256:'.length), 'hex') }));
  }

  /** How many users have a key. */
  get size(): number {
    return this.keys.length;
  }

  /**
   * The user whose key has SHA-256 `digest`, else undefined. Every user's digest is compared, in constant time,
   * whichever matches: the time taken says nothing about which one did.
   */
  match(digest: Buffer): string | undefined {
    let found: string | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, digest) && found === undefined) found = key.name;
    }
    return found;
  }
}
