import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { scanJson } from '../../src/config/jsonScan.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir, thrown } from './configFiles.js';

function syntaxError(text: string): string {
  const error = thrown(() => parseConfig(text, { file: 'config.json', env: {}, warn: () => {} }));
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('config files that are not valid JSON', () => {
  it('names the file, line and column of a missing comma', async () => {
    const dir = await tempDir();
    try {
      const file = await dir.write('config.json', '{\n  "mcpServers": {\n    "a": { "command": "node"\n           "args": [] }\n  }\n}\n');
      const error = await loadConfig(file, { env: {}, warn: () => {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).file).toBe(file);
      expect((error as Error).message).toBe(
        `${file}: invalid JSON at line 4, column 12: expected "," or "}" after the value of "command" (missing comma?)`,
      );
    } finally {
      await dir.remove();
    }
  });

  it.each([
    ['{"mcpServers": {"a": {"command": "x",,}}}', 'line 1, column 38: unexpected ",": expected a property name in double quotes'],
    ['{"mcpServers": {"a": {"args": [,"x"]}}}', 'line 1, column 32: unexpected ",": expected a value (strings must be in double quotes)'],
    ['{\n  /* my servers\n  "mcpServers": {}\n}', 'line 2, column 3: unterminated comment (missing */)'],
    ["{'mcpServers': {}}", 'line 1, column 2: property names must use double quotes (")'],
    ['{mcpServers: {}}', 'line 1, column 2: unexpected "mcpServers": expected a property name in double quotes'],
    ['{"mcpServers": {"a": {"command": \'x\'}}}', 'line 1, column 34: strings must use double quotes (")'],
    ['{"mcpServers": {"a": {"command": node}}}', 'line 1, column 34: unexpected "node": expected a value (strings must be in double quotes)'],
    ['{"mcpServers": {"a": {"command": "x\ny"}}}', 'line 1, column 36: line break inside a string (write \\n)'],
    ['{"mcpServers": {"a": {"command": "C:\\Program Files"}}}', 'line 1, column 37: invalid escape "\\P" in a string (a literal backslash is written \\\\)'],
    ['{"mcpServers": {"a": {"command": "x"}}', 'line 1, column 39: unexpected end of file: expected "," or "}"'],
    ['{"mcpServers": {"a": {"command": "x', 'line 1, column 34: unterminated string (missing closing ")'],
    ['{"mcpServers" {}}', 'line 1, column 15: expected ":" after the property name "mcpServers"'],
    ['{"mcpServers": {}} {}', 'line 1, column 20: unexpected "{" after the end of the JSON document'],
    ['{"timeout": 01}', 'line 1, column 14: expected "," or "}" after the value of "timeout"'],
    ['{"x": "\\u12"}', 'line 1, column 8: invalid \\u escape: expected 4 hex digits'],
    ['', 'line 1, column 1: the file is empty: expected a JSON object'],
    ['  \n ', 'line 2, column 2: the file is empty: expected a JSON object'],
  ])('reports %j at the right place', (text, where) => {
    expect(syntaxError(text)).toBe(`config.json: invalid JSON at ${where}`);
  });

  it('reports positions after Windows line endings and a byte order mark correctly', () => {
    expect(syntaxError('\uFEFF{\r\n  "mcpServers": {\r\n    "a": x\r\n  }\r\n}')).toBe(
      'config.json: invalid JSON at line 3, column 10: unexpected "x": expected a value (strings must be in double quotes)',
    );
  });

  it('refuses absurdly deep nesting with a message instead of overflowing the stack', () => {
    expect(syntaxError(`{"mcpServers": ${'['.repeat(100_000)}`)).toMatch(/^config\.json: invalid JSON at line 1, column \d+: nesting deeper than 256 levels$/);
  });
});

describe('the JSON scanner agrees with JSON.parse', () => {
  it.each([
    '{"a": [1, -2.5e+3, 0, true, false, null, "s\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"], "b": {}, "c": [], "d": {"e": [[{}]]}}',
    '  {"mcpServers": {"x": {"command": "C:\\\\bin\\\\node.exe", "args": ["é", "😀"]}}}  ',
    '"just a string"',
    '42',
    '{"__proto__": {"x": 1}}',
  ])('accepts valid JSON %j', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(scanJson(text).ok).toBe(true);
  });

  it.each(['{"a": 1,,}', '[1 2]', '{"a" 1}', 'tru', '-', '1.', '.5', '+1', '{"a": NaN}', '"\t"', '[', '{"a": 1}}'])(
    'rejects invalid JSON %j',
    (text) => {
      expect(() => JSON.parse(text)).toThrow();
      expect(scanJson(text).ok).toBe(false);
    },
  );

  it('accepts comments and trailing commas (JSONC, as VS Code writes mcp.json), keeping every position where it was', () => {
    const text = '{\n  // my servers\n  "mcpServers": { /* two */\n    "a": {"args": ["x", "//not a comment",],},\n  },\n}\n';
    const scan = scanJson(text);
    if (!scan.ok) throw new Error(`expected JSONC to be accepted: ${scan.error.message}`);
    expect(JSON.parse(scan.json)).toEqual({ mcpServers: { a: { args: ['x', '//not a comment'] } } });
    expect(scan.json.length).toBe(text.length);
    expect(scan.json.split('\n')).toHaveLength(text.split('\n').length);
    expect(scan.map.locate(['mcpServers', 'a'])).toEqual({ line: 4, column: 5 });
  });

  it('accepts a trailing comma followed by a comment, as VS Code writes `"a": {…}, // note` before the closing brace', () => {
    // Regression: the comment was blanked before the comma that precedes it, and the text handed to JSON.parse came
    // out longer, with the comment still in it: loading such a file threw a bare SyntaxError.
    const text = '{"mcpServers": {"a": {"args": ["x", /* last */\n]}, // c\n}, /* end */}';
    const scan = scanJson(text);
    if (!scan.ok) throw new Error(`expected JSONC to be accepted: ${scan.error.message}`);
    expect(scan.json.length).toBe(text.length);
    expect(JSON.parse(scan.json)).toEqual({ mcpServers: { a: { args: ['x'] } } });
  });

  it('locates keys and array elements, and falls back to the nearest present ancestor', () => {
    const scan = scanJson('{\n  "mcpServers": {\n    "a": {\n      "args": ["x",\n               "y"]\n    }\n  }\n}');
    if (!scan.ok) throw new Error('expected valid JSON');
    expect(scan.map.locate(['mcpServers', 'a', 'args'])).toEqual({ line: 4, column: 7 });
    expect(scan.map.locate(['mcpServers', 'a', 'args', 1])).toEqual({ line: 5, column: 16 });
    expect(scan.map.locate(['mcpServers', 'a', 'command'])).toEqual({ line: 3, column: 5 });
    expect(scan.map.locate([])).toEqual({ line: 1, column: 1 });
  });
});
