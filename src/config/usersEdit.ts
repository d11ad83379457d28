/**
 * Writing a user's key hash into config text (`mcpo users add`) as a person would edit the file: the text is
 * changed only where the user's entry goes, so comments, order, indentation, line endings and `${VAR}`s elsewhere
 * stay as they were. Positions come from the same scanner that reports config errors (./jsonScan.ts), working on
 * its copy of the text with comments and trailing commas blanked out (same length), so a `}` inside a comment is
 * never taken for the end of an object.
 */
import { ConfigError, UsageError } from '../errors.js';
import { isJsonObject, jsonPathKey, type JsonPath } from './jsonPath.js';
import { scanJson } from './jsonScan.js';
import { userNameProblem } from './users.js';

export interface UserKeyEdit {
  /** The user's name (checked with userNameProblem). */
  name: string;
  /** `sha256:…`, as keyHashOf makes it. */
  keyHash: string;
  /** Replace the key of a user the file already has. Default false: UsageError for an existing user. */
  force?: boolean;
}

/** `text` (a config file named `file` in messages) with `edit.name`'s keyHash set. Throws ConfigError, UsageError. */
export function withUserKey(text: string, file: string, edit: UserKeyEdit): string {
  const nameProblem = userNameProblem(edit.name);
  if (nameProblem) throw new UsageError(nameProblem);
  const scan = scanJson(text);
  if (!scan.ok) throw new ConfigError(`invalid JSON at line ${scan.error.line}, column ${scan.error.column}: ${scan.error.message}`, { file });
  const blank = scan.json;
  const root: unknown = JSON.parse(blank.replace(/^\uFEFF/, ''));
  if (!isJsonObject(root)) throw new ConfigError('must contain a JSON object', { file });

  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  /** Offset of the key at `path` (which is present). */
  const keyAt = (path: JsonPath): number => {
    const { line, column } = scan.map.locate(path);
    return lineStarts[line - 1]! + column - 1;
  };
  /** The whitespace before `offset` on its line, when nothing else comes before it there. */
  const lineIndent = (offset: number): string | undefined => {
    const start = text.lastIndexOf('\n', offset - 1) + 1;
    const before = text.slice(start, offset);
    return /^[ \t]*$/.test(before) ? before : undefined;
  };
  const duplicated = (path: JsonPath): boolean => scan.map.duplicates.some((d) => jsonPathKey(d.path) === jsonPathKey(path));

  const rootKeys = Object.keys(root);
  const unit = (rootKeys.length > 0 ? lineIndent(keyAt([rootKeys[0]!])) : undefined) || '  ';
  const entry = `{ "keyHash": ${JSON.stringify(edit.keyHash)} }`;
  const member = `${JSON.stringify(edit.name)}: ${entry}`;
  const splice = (start: number, end: number, insert: string): string => text.slice(0, start) + insert + text.slice(end);

  const users = root.users;
  let edited: string;
  if (users === undefined) {
    const open = firstSignificant(blank, 0);
    const close = lastSignificant(blank, blank.length);
    const section = `"users": {${eol}${unit}${unit}${member}${eol}${unit}}`;
    edited = insertMember(text, blank, open, close, section, unit, '', eol);
  } else if (!isJsonObject(users)) {
    throw new ConfigError('must be an object of user names, e.g. {"alice": {"keyHash": "sha256:…"}}', { file, path: 'users' });
  } else if (duplicated(['users']) || duplicated(['users', edit.name])) {
    throw new ConfigError(`${duplicated(['users']) ? '"users"' : `user "${edit.name}"`} appears more than once: remove the extra one first`, { file });
  } else if (Object.hasOwn(users, edit.name)) {
    if (!edit.force) throw new UsageError(`${file} already has a user "${edit.name}": give --force to replace their key`);
    const current = users[edit.name];
    const hashPath = ['users', edit.name, 'keyHash'];
    if (isJsonObject(current) && typeof current.keyHash === 'string' && !duplicated(hashPath)) {
      const start = valueStart(blank, keyAt(hashPath));
      edited = splice(start, valueEnd(blank, start), JSON.stringify(edit.keyHash));
    } else {
      const start = valueStart(blank, keyAt(['users', edit.name]));
      edited = splice(start, valueEnd(blank, start), entry);
    }
  } else {
    const open = valueStart(blank, keyAt(['users']));
    const close = valueEnd(blank, open) - 1;
    const outer = lineIndent(keyAt(['users'])) ?? unit;
    const names = Object.keys(users);
    const indent = (names.length > 0 ? lineIndent(keyAt(['users', names[0]!])) : undefined) ?? outer + unit;
    edited = insertMember(text, blank, open, close, member, indent, outer, eol);
  }

  // The edit must say what was meant: read back, the file has this user with this hash.
  const check = scanJson(edited);
  const reread: unknown = check.ok ? JSON.parse(check.json.replace(/^\uFEFF/, '')) : undefined;
  const written = isJsonObject(reread) && isJsonObject(reread.users) ? reread.users[edit.name] : undefined;
  if (!isJsonObject(written) || written.keyHash !== edit.keyHash) throw new Error(`mcpo could not write the user into ${file}: the file was left unchanged`);
  return edited;
}

/** `member` inserted into the object whose braces are at `open` and `close` of `text` (`blank`: its scan copy). */
function insertMember(text: string, blank: string, open: number, close: number, member: string, indent: string, outer: string, eol: string): string {
  const last = lastSignificant(blank, close);
  if (last === open) {
    // An empty object: the member on a line of its own, the closing brace back on one of its own.
    const sameLine = !text.slice(open, close).includes('\n');
    return text.slice(0, open + 1) + eol + indent + member + (sameLine ? eol + outer : '') + text.slice(open + 1);
  }
  // After the last value: a trailing comma or comment that followed it now follows the new member, still valid.
  return text.slice(0, last + 1) + ',' + eol + indent + member + text.slice(last + 1);
}

function firstSignificant(blank: string, from: number): number {
  let i = from;
  while (i < blank.length && /[\s\uFEFF]/.test(blank[i]!)) i++;
  return i;
}

/** The offset of the last non-space character before `before`. */
function lastSignificant(blank: string, before: number): number {
  let i = before - 1;
  while (i >= 0 && /\s/.test(blank[i]!)) i--;
  return i;
}

/** The end (exclusive) of the string starting at `start`. */
function stringEnd(blank: string, start: number): number {
  let i = start + 1;
  while (i < blank.length && blank[i] !== '"') i += blank[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** The offset of the value of the key whose string starts at `keyOffset`. */
function valueStart(blank: string, keyOffset: number): number {
  const colon = firstSignificant(blank, stringEnd(blank, keyOffset));
  return firstSignificant(blank, colon + 1);
}

/** The end (exclusive) of the value starting at `start`. */
function valueEnd(blank: string, start: number): number {
  const first = blank[start];
  if (first === '"') return stringEnd(blank, start);
  if (first !== '{' && first !== '[') {
    let i = start;
    while (i < blank.length && !/[\s,}\]]/.test(blank[i]!)) i++;
    return i;
  }
  let depth = 0;
  for (let i = start; i < blank.length; i++) {
    const c = blank[i];
    if (c === '"') i = stringEnd(blank, i) - 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return blank.length;
}
