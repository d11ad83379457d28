/**
 * A JSON (RFC 8259) scanner for diagnostics only: JSON.parse still builds the value, this finds where
 * things are. V8's SyntaxError often gives no position ("Unexpected token '}', ... is not valid JSON"),
 * and JSON.parse silently keeps the last of two duplicate keys, so we scan once to report the line and
 * column of a syntax error, where each key sits (for error messages about it), and duplicate keys.
 *
 * Comments (`//`, `/* *\/`) and trailing commas are accepted, as in VS Code's JSONC (its mcp.json often
 * has them, and so does the Python mcpo's README example): the scan returns the text with them blanked
 * out (same length, same line breaks) for JSON.parse, so every position stays where the user sees it.
 */
import { jsonPathKey, type JsonPath } from './jsonPath.js';

/** 1-based line and column (column counted in UTF-16 code units). */
export interface SourceLocation {
  line: number;
  column: number;
}

export interface JsonSyntaxProblem extends SourceLocation {
  message: string;
}

export interface JsonDocumentMap {
  /** Where the key (or array element) at `path` starts; for a missing path, its nearest present ancestor. */
  locate(path: JsonPath): SourceLocation;
  /** Keys that appear more than once in the same object (JSON.parse keeps the last one). */
  duplicates: readonly { path: JsonPath; location: SourceLocation }[];
}

/** `json`: the text with comments and trailing commas turned into spaces, ready for JSON.parse. */
export type JsonScanResult = { ok: true; map: JsonDocumentMap; json: string } | { ok: false; error: JsonSyntaxProblem };

/** Deeper nesting than any config needs; the limit keeps the recursive scanner off the stack ceiling. */
const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$]*/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

class Failure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** Scans `text` (a leading byte order mark is skipped): its document map, or the first syntax error. */
export function scanJson(text: string): JsonScanResult {
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const toLocation = (offset: number): SourceLocation => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };

  const offsets = new Map<string, number>();
  const duplicates: { path: JsonPath; location: SourceLocation }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  /** [start, end) ranges of comments and trailing commas. */
  const blanks: [number, number][] = [];

  const fail = (message: string, at = i): never => {
    throw new Failure(message, at);
  };
  const atEnd = (): boolean => i >= text.length;
  const skipWhitespace = (): void => {
    while (!atEnd()) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else if (c === '/' && text[i + 1] === '/') {
        const end = text.indexOf('\n', i);
        blanks.push([i, end === -1 ? text.length : end]);
        i = end === -1 ? text.length : end;
      } else if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        if (end === -1) fail('unterminated comment (missing */)');
        blanks.push([i, end + 2]);
        i = end + 2;
      } else return;
    }
  };
  /** Blanks the comma at `comma` when the next thing after it (past whitespace and comments) is `close`. */
  const blankIfTrailing = (comma: number, close: string): void => {
    const before = blanks.length;
    skipWhitespace();
    // Before the comments skipped after it: blankOut takes the ranges in text order.
    if (text[i] === close) blanks.splice(before, 0, [comma, comma + 1]);
  };
  const describeHere = (): string => {
    WORD.lastIndex = i;
    const word = WORD.exec(text)?.[0];
    return word ? `"${word}"` : JSON.stringify(text[i]);
  };

  const parseString = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (atEnd()) fail('unterminated string (missing closing ")', start);
      const code = text.charCodeAt(i);
      if (code === 0x22) break;
      if (code === 0x5c) {
        const next = text[i + 1] ?? '';
        if (next === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape: expected 4 hex digits');
          i += 6;
        } else if (ESCAPES.has(next)) {
          i += 2;
        } else {
          fail(`invalid escape "\\${next}" in a string (a literal backslash is written \\\\)`);
        }
        continue;
      }
      if (code < 0x20) fail(code === 0x0a ? 'line break inside a string (write \\n)' : 'control character inside a string');
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };

  const parseValue = (path: JsonPath, depth: number): void => {
    skipWhitespace();
    if (atEnd()) fail('unexpected end of file: expected a value');
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const c = text[i];
    if (c === '{') parseObject(path, depth);
    else if (c === '[') parseArray(path, depth);
    else if (c === '"') parseString();
    else if (c === "'") fail('strings must use double quotes (")');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (!match) fail('invalid number');
      i += match?.[0].length ?? 0;
    } else {
      for (const literal of ['true', 'false', 'null']) {
        if (text.startsWith(literal, i)) {
          i += literal.length;
          return;
        }
      }
      fail(`unexpected ${describeHere()}: expected a value (strings must be in double quotes)`);
    }
  };

  const parseObject = (path: JsonPath, depth: number): void => {
    i++;
    const seen = new Set<string>();
    skipWhitespace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (atEnd()) fail('unexpected end of file: expected a property name');
      if (text[i] === '}') {
        i++;
        return;
      }
      if (text[i] === "'") fail('property names must use double quotes (")');
      if (text[i] !== '"') fail(`unexpected ${describeHere()}: expected a property name in double quotes`);
      const keyOffset = i;
      const key = parseString();
      const childPath = [...path, key];
      if (seen.has(key)) duplicates.push({ path: childPath, location: toLocation(keyOffset) });
      seen.add(key);
      offsets.set(jsonPathKey(childPath), keyOffset);
      skipWhitespace();
      if (text[i] !== ':') fail(`expected ":" after the property name ${JSON.stringify(key)}`);
      i++;
      parseValue(childPath, depth + 1);
      skipWhitespace();
      if (text[i] === ',') blankIfTrailing(i++, '}');
      else if (text[i] === '}') {
        i++;
        return;
      } else if (atEnd()) fail('unexpected end of file: expected "," or "}"');
      else fail(`expected "," or "}" after the value of ${JSON.stringify(key)}${text[i] === '"' ? ' (missing comma?)' : ''}`);
    }
  };

  const parseArray = (path: JsonPath, depth: number): void => {
    i++;
    skipWhitespace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      skipWhitespace();
      if (text[i] === ']') {
        i++;
        return;
      }
      offsets.set(jsonPathKey([...path, index]), i);
      parseValue([...path, index], depth + 1);
      skipWhitespace();
      if (text[i] === ',') blankIfTrailing(i++, ']');
      else if (text[i] === ']') {
        i++;
        return;
      } else if (atEnd()) fail('unexpected end of file: expected "," or "]"');
      else fail(`expected "," or "]" after an array element${text[i] === '"' ? ' (missing comma?)' : ''}`);
    }
  };

  try {
    skipWhitespace();
    if (atEnd()) fail('the file is empty: expected a JSON object');
    const rootOffset = i;
    parseValue([], 0);
    skipWhitespace();
    if (!atEnd()) fail(`unexpected ${describeHere()} after the end of the JSON document`);
    const map: JsonDocumentMap = {
      duplicates,
      locate(path) {
        for (let n = path.length; n > 0; n--) {
          const offset = offsets.get(jsonPathKey(path.slice(0, n)));
          if (offset !== undefined) return toLocation(offset);
        }
        return toLocation(rootOffset);
      },
    };
    return { ok: true, map, json: blankOut(text, blanks) };
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    return { ok: false, error: { message: error.message, ...toLocation(error.offset) } };
  }
}

/** `text` with each range replaced by spaces (line breaks kept, so lines and columns do not move). */
function blankOut(text: string, ranges: readonly [number, number][]): string {
  if (ranges.length === 0) return text;
  let out = '';
  let from = 0;
  for (const [start, end] of ranges) {
    out += text.slice(from, start) + text.slice(start, end).replace(/[^\r\n]/g, ' ');
    from = end;
  }
  return out + text.slice(from);
}
