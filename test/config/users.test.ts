/**
 * The config file's `users` (issue #17): names, key hashes, one key per user; every problem names its JSON path.
 * And `mcpo users add`'s edit of the file's text (usersEdit.ts): the user's entry changes, nothing else does.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { InvalidConfigError } from '../../src/config/problems.js';
import { keyHashOf } from '../../src/config/users.js';
import { withUserKey } from '../../src/config/usersEdit.js';
import { McpoError } from '../../src/errors.js';
import { thrown } from './configFiles.js';

const SERVERS = { mcpServers: { demo: { command: 'node' } } };
const HASH_A = keyHashOf('key-a');
const HASH_B = keyHashOf('key-b');

function parse(config: object | string, warn: (m: string) => void = () => {}) {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  return parseConfig(text, { file: 'config.json', env: { HASH: HASH_B }, warn });
}

function problems(users: unknown): string[] {
  const error = thrown(() => parse({ ...SERVERS, users }));
  expect(error).toBeInstanceOf(InvalidConfigError);
  return (error as InvalidConfigError).problems.map((p) => `${p.path.join('.')}: ${p.message}`);
}

describe('users in the config file', () => {
  it('reads each user with their key hash (lower case, ${VAR} expanded), in file order', () => {
    const config = parse({ ...SERVERS, users: { 'alice@example.com': { keyHash: HASH_A.toUpperCase().replace('SHA256', 'sha256') }, 'bob.b_2-x': { keyHash: '${HASH}' } } });
    expect(config.users).toEqual([
      { name: 'alice@example.com', keyHash: HASH_A },
      { name: 'bob.b_2-x', keyHash: HASH_B },
    ]);
    expect(parse(SERVERS).users).toEqual([]);
  });

  it('refuses bad names, naming each one', () => {
    const long = 'a'.repeat(65);
    expect(problems({ 'has space': { keyHash: HASH_A }, [long]: { keyHash: HASH_B }, '': { keyHash: keyHashOf('c') }, 'ok-64': { keyHash: keyHashOf('d') } })).toEqual([
      'has space: user name "has space" may only use letters, digits, ".", "_", "@" and "-"',
      `${long}: user name "aaaaaaaaaaaaaaaaaaaa…" is 65 characters long; at most 64 are allowed`,
      ': user name must not be empty',
    ].map((line) => `users.${line}`));
    expect(() => parse({ ...SERVERS, users: { ['b'.repeat(64)]: { keyHash: HASH_A } } })).not.toThrow();
  });

  it('refuses a key hash that is not "sha256:" and 64 hex digits, or a missing one, at users.NAME.keyHash', () => {
    const lines = problems({ alice: { keyHash: 'key-a' }, bob: { keyHash: `${HASH_B}0` }, carol: {}, dave: 'sha256:…' });
    expect(lines).toEqual([
      'users.alice.keyHash: must be "sha256:" followed by 64 hex digits (the output of `mcpo users hash`), not the key itself',
      'users.bob.keyHash: must be "sha256:" followed by 64 hex digits (the output of `mcpo users hash`), not the key itself',
      'users.carol.keyHash: is required',
      'users.dave: must be an object (got a string)',
    ]);
  });

  it('refuses two users with the same key, whatever the case of its digits, at the second one', () => {
    expect(problems({ alice: { keyHash: HASH_A }, bob: { keyHash: HASH_B }, carol: { keyHash: HASH_A.toUpperCase().replace('SHA256', 'sha256') } })).toEqual([
      'users.carol.keyHash: is the same as users.alice.keyHash: every user needs a key of their own',
    ]);
  });

  it('says where a problem is in the file, and that users must be an object', () => {
    const error = thrown(() => parse({ ...SERVERS, users: { alice: { keyHash: 'nope' } } })) as InvalidConfigError;
    expect(error.message).toBe('config.json: users.alice.keyHash: must be "sha256:" followed by 64 hex digits (the output of `mcpo users hash`), not the key itself (line 9, column 7)');
    expect(problems(['alice'])).toEqual(['users: must be an object (got a list)']);
  });

  it('warns about unknown keys in a user entry (a key given as "key" beside its hash, a misspelt keyHash)', () => {
    const warnings: string[] = [];
    expect(() => parse({ ...SERVERS, users: { alice: { keyHash: HASH_A, key: 'plain', keyhash: 'x' } } }, (m) => warnings.push(m))).not.toThrow();
    expect(warnings).toEqual([
      'config.json: users.alice.key: unknown key (line 10, column 7)',
      'config.json: users.alice.keyhash: unknown key (did you mean "keyHash"?) (line 11, column 7)',
    ]);
  });
});

describe("mcpo users add's edit of the config text", () => {
  const edit = (text: string, name: string, keyHash: string, force = false) => withUserKey(text, 'config.json', { name, keyHash, force });

  it('adds a users section after the servers, keeping comments, trailing commas and the indentation', () => {
    const text = '{\n    // the servers\n    "mcpServers": {\n        "demo": { "command": "node" }, // a demo\n    },\n}\n';
    const edited = edit(text, 'alice', HASH_A);
    expect(edited).toBe(
      `{\n    // the servers\n    "mcpServers": {\n        "demo": { "command": "node" }, // a demo\n    },\n    "users": {\n        "alice": { "keyHash": "${HASH_A}" }\n    },\n}\n`,
    );
    expect(parse(edited).users).toEqual([{ name: 'alice', keyHash: HASH_A }]);
  });

  it('adds a user after the last one, and into an empty users object', () => {
    const text = `{\r\n  "mcpServers": { "demo": { "command": "node" } },\r\n  "users": {\r\n    "alice": { "keyHash": "${HASH_A}" } /* first */\r\n  }\r\n}`;
    const edited = edit(text, 'bob', HASH_B);
    expect(edited).toBe(
      `{\r\n  "mcpServers": { "demo": { "command": "node" } },\r\n  "users": {\r\n    "alice": { "keyHash": "${HASH_A}" },\r\n    "bob": { "keyHash": "${HASH_B}" } /* first */\r\n  }\r\n}`,
    );
    const empty = edit('{"mcpServers": {"demo": {"command": "node"}}, "users": {}}', 'bob', HASH_B);
    expect(empty).toBe(`{"mcpServers": {"demo": {"command": "node"}}, "users": {\n    "bob": { "keyHash": "${HASH_B}" }\n  }}`);
    expect(parse(empty).users).toEqual([{ name: 'bob', keyHash: HASH_B }]);
  });

  it("replaces only the hash of an existing user with force, and refuses without it", () => {
    const text = `{"mcpServers": {"demo": {"command": "node"}},\n "users": {"alice": {"keyHash": "${HASH_A}"}, "bob": {"keyHash": "\${HASH}"}}}`;
    const refused = thrown(() => edit(text, 'alice', HASH_B));
    expect(refused).toBeInstanceOf(McpoError);
    expect((refused as McpoError).code).toBe('USAGE');
    expect((refused as McpoError).message).toBe('config.json already has a user "alice": give --force to replace their key');
    const forced = edit(text, 'alice', keyHashOf('new'), true);
    expect(forced).toBe(text.replace(HASH_A, keyHashOf('new')));
    // A user whose entry is not an object of its own gets one.
    expect(edit(`{"users": {"carol": "x"}, "mcpServers": {}}`, 'carol', HASH_A, true)).toBe(`{"users": {"carol": { "keyHash": "${HASH_A}" }}, "mcpServers": {}}`);
  });

  it('refuses a bad user name, a users value that is not an object, and a file that is not JSON', () => {
    expect(() => edit('{}', 'no spaces', HASH_A)).toThrow('user name "no spaces" may only use letters, digits, ".", "_", "@" and "-"');
    expect(() => edit('{"users": []}', 'alice', HASH_A)).toThrow('config.json: users: must be an object of user names');
    expect(() => edit('{"users": {', 'alice', HASH_A)).toThrow(/config.json: invalid JSON at line 1, column 12/);
  });
});
