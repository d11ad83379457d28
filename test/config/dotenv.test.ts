import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseDotenv, parseEnvAssignments } from '../../src/config/dotenv.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { tempDir, thrown } from './configFiles.js';

describe('.env files (--env-path)', () => {
  it('reads a file from disk with comments, export prefixes, quotes and blank lines', async () => {
    const dir = await tempDir();
    try {
      const file = await dir.write(
        '.env',
        [
          '# API credentials',
          'GITHUB_TOKEN=ghp_abc123',
          'export REGION = eu-west-1   ',
          '',
          'GREETING="hello\\nworld"  # a comment after quotes',
          "RAW='no $escapes \\n here'",
          'BACKTICK=`it\'s "quoted"`',
          'URL=https://example.com/#anchor',
          'WITH_COMMENT=value # trailing comment',
          'EMPTY=',
          'EQUALS=a=b=c',
          'dotted.name-ok=1',
        ].join('\r\n'),
      );
      expect(parseDotenv(await readFile(file, 'utf8'), file)).toEqual({
        GITHUB_TOKEN: 'ghp_abc123',
        REGION: 'eu-west-1',
        GREETING: 'hello\nworld',
        RAW: 'no $escapes \\n here',
        BACKTICK: 'it\'s "quoted"',
        URL: 'https://example.com/#anchor',
        WITH_COMMENT: 'value',
        EMPTY: '',
        EQUALS: 'a=b=c',
        'dotted.name-ok': '1',
      });
    } finally {
      await dir.remove();
    }
  });

  it('reads quoted values spanning several lines, such as PEM keys', () => {
    const text = 'KEY="-----BEGIN KEY-----\nabc\n-----END KEY-----"\nSINGLE=\'line one\nline two\'\nNEXT=1';
    expect(parseDotenv(text, '.env')).toEqual({ KEY: '-----BEGIN KEY-----\nabc\n-----END KEY-----', SINGLE: 'line one\nline two', NEXT: '1' });
  });

  it('keeps escaped quotes inside double quotes and lets later keys win', () => {
    expect(parseDotenv('A="say \\"hi\\""\nA="again"\nB="back\\\\slash"', '.env')).toEqual({ A: 'again', B: 'back\\slash' });
  });

  it('stores a key named __proto__ as a plain key', () => {
    const env = parseDotenv('__proto__=x', '.env');
    expect(Object.hasOwn(env, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
  });

  it.each([
    ['A=1\nnot an assignment\n', '.env:2: expected KEY=VALUE'],
    ['A=1\n\n1ABC=2', '.env:3: "1ABC" is not a valid variable name'],
    ['=value', '.env:1: an empty name is not a valid variable name'],
    ['A="never closed\nB=2', '.env:1: the quoted value of A is never closed (missing ")'],
    ['A="done" extra', '.env:1: unexpected text after the closing " of A'],
  ])('rejects %j naming file and line', (text, message) => {
    const error = thrown(() => parseDotenv(text, '.env'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toContain(message);
  });

  it('never repeats a value in an error message', () => {
    const error = thrown(() => parseDotenv('TOKEN="ghp_secret_value', '.env')) as Error;
    expect(error.message).not.toContain('ghp_secret_value');
  });
});

describe('--env KEY=VALUE and --env KEY flags', () => {
  it('turns pairs into variables, keeping "=" inside values and empty values', () => {
    expect(parseEnvAssignments(['A=1', 'B=x=y', 'C=', 'A=2'], {})).toEqual({ A: '2', B: 'x=y', C: '' });
  });

  it('takes the value of a bare KEY from the environment it is given, like docker run -e KEY', () => {
    expect(parseEnvAssignments(['TOKEN', 'EMPTY'], { TOKEN: 'from-mcpo', EMPTY: '' })).toEqual({ TOKEN: 'from-mcpo', EMPTY: '' });
  });

  it("rejects a bare KEY that mcpo's environment does not have, naming it", () => {
    const error = thrown(() => parseEnvAssignments(['A=1', 'TOKEN'], { OTHER: 'x' }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('USAGE');
    expect((error as Error).message).toBe("--env TOKEN: TOKEN is not set in mcpo's environment (use TOKEN=VALUE to give a value)");
  });

  it("never passes on one of mcpo's own MCPO_* variables, by name or with a value", () => {
    const error = thrown(() => parseEnvAssignments(['MCPO_API_KEY'], { MCPO_API_KEY: 'top-secret' })) as Error;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe("--env MCPO_API_KEY: mcpo's own MCPO_* variables are never passed on to servers (to configure mcpo, set MCPO_API_KEY in its environment)");
    expect(error.message).not.toContain('top-secret');
    const given = thrown(() => parseEnvAssignments(['MCPO_API_KEY=other-secret'], {})) as Error;
    expect(given.message).toMatch(/^--env MCPO_API_KEY=…: mcpo's own MCPO_\* variables are never passed on/);
    expect(given.message).not.toContain('other-secret');
  });

  it('rejects an invalid name without echoing the value', () => {
    const error = thrown(() => parseEnvAssignments(['MY VAR=secret'], {})) as Error;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('--env "MY VAR=…": "MY VAR" is not a valid variable name (use KEY=VALUE, or KEY to pass on mcpo\'s own value)');
    expect(() => parseEnvAssignments(['=x'], {})).toThrow('an empty name is not a valid variable name');
  });
});
