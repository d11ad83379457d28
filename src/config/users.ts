/**
 * The config file's `users`: who may call mcpo with a key of their own.
 *
 *   {"users": {"alice": {"keyHash": "sha256:<64 hex digits>"}}}
 *
 * The file holds only the SHA-256 of each key (`mcpo users add` makes a key and writes its hash; `mcpo users hash`
 * hashes one made elsewhere), so reading the config file does not give anyone a key. Two users with the same hash
 * would be the same caller under two names: refused.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isJsonObject } from './jsonPath.js';

/** Letters, digits and `.`, `_`, `@`, `-` (an e-mail address fits), 1 to 64 of them. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9._@-]+$/;
export const MAX_USER_NAME_LENGTH = 64;

/** `sha256:` and 64 hex digits (either case: normalized to lower case). */
export const KEY_HASH_PATTERN = /^sha256:[0-9a-fA-F]{64}$/;

/** One user, as the rest of mcpo sees it. */
export interface UserEntry {
  /** The key under `users`: how logs and per-user servers name the user. */
  name: string;
  /** `sha256:` and 64 lower-case hex digits: the SHA-256 of the user's key (UTF-8). */
  keyHash: string;
}

/** Why `name` cannot be a user name, in plain words; undefined when it is fine. */
export function userNameProblem(name: string): string | undefined {
  if (name === '') return 'user name must not be empty';
  if (name.length > MAX_USER_NAME_LENGTH) return `user name "${name.slice(0, 20)}…" is ${name.length} characters long; at most ${MAX_USER_NAME_LENGTH} are allowed`;
  if (!USER_NAME_PATTERN.test(name)) return `user name ${JSON.stringify(name)} may only use letters, digits, ".", "_", "@" and "-"`;
  return undefined;
}

/** The `keyHash` of `key`: `sha256:` and the hex SHA-256 of its UTF-8 bytes. */
export function keyHashOf(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** One entry under `users`. */
export const userEntrySchema = z.object({
  keyHash: z
    .string()
    .regex(KEY_HASH_PATTERN, 'must be "sha256:" followed by 64 hex digits (the output of `mcpo users hash`), not the key itself')
    .transform((hash) => hash.toLowerCase()),
});

/** `users`: names → entries; bad names and a hash used twice are refused at the offending path. */
export const usersSchema = z.record(z.string(), userEntrySchema).superRefine(
  (users, ctx) => {
    const owners = new Map<string, string>();
    for (const [name, entry] of Object.entries(users)) {
      const problem = userNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      const hash = isJsonObject(entry) && typeof entry.keyHash === 'string' ? entry.keyHash.toLowerCase() : undefined;
      if (hash === undefined || !KEY_HASH_PATTERN.test(hash)) continue;
      const owner = owners.get(hash);
      if (owner === undefined) owners.set(hash, name);
      else ctx.addIssue({ code: 'custom', path: [name, 'keyHash'], message: `is the same as users.${owner}.keyHash: every user needs a key of their own` });
    }
  },
  { when: (payload) => isJsonObject(payload.value) },
);

export type UsersFile = z.infer<typeof usersSchema>;

/** The validated `users` section as entries, in file order. */
export function normalizeUsers(users: UsersFile | undefined): UserEntry[] {
  return Object.entries(users ?? {}).map(([name, entry]) => ({ name, keyHash: entry.keyHash }));
}
