/**
 * `${VAR}` expansion in config strings, as Claude Code does it:
 *
 *   ${VAR}            the value of VAR; an error when VAR is not set (set-but-empty expands to "")
 *   ${VAR:-default}   the value of VAR, or `default` when VAR is unset or empty
 *   $${               a literal "${" (so "$${HOME}" stays the text ${HOME})
 *   ${env:VAR}        VS Code's spelling of ${VAR} (also with :-default)
 *   ${input:ID}       an error: a VS Code prompt, which mcpo cannot show
 *
 * Any other `$` is literal ("pa$$word" and "$HOME" are left alone). Only string values are expanded,
 * never object keys. The environment is always passed in; this module never reads process.env.
 */
import { isJsonObject, type JsonPath } from './jsonPath.js';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ExpansionProblem {
  path: JsonPath;
  message: string;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** VS Code's predefined variables that mcp.json files use: mcpo has no workspace, so it says so when one is unset. */
const VS_CODE_VARIABLES = new Set(['workspaceFolder', 'workspaceFolderBasename', 'userHome', 'cwd', 'file', 'fileDirname', 'pathSeparator']);

/** Own properties only, so `${constructor}` on a plain-object env is "not set", not a function. */
function lookup(env: Environment, name: string): string | undefined {
  if (!Object.hasOwn(env, name)) return undefined;
  const value = env[name];
  return typeof value === 'string' ? value : undefined;
}

/** Expands one string; returns the value or the plain-words reason it cannot be expanded. */
export function expandString(text: string, env: Environment): { value: string } | { error: string } {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) break;
    out += text.slice(i, dollar);
    if (text.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      continue;
    }
    if (text[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close === -1) return { error: 'unterminated "${" (write $${ for a literal "${")' };
    const written = text.slice(dollar + 2, close);
    if (written.startsWith('input:')) {
      return { error: `"\${${written}}" is a VS Code input, which mcpo cannot prompt for: put the value in an environment variable and write \${NAME} instead` };
    }
    const body = written.startsWith('env:') ? written.slice('env:'.length) : written;
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    if (!VARIABLE_NAME.test(name)) {
      return { error: `invalid variable reference "\${${body}}": use \${NAME} or \${NAME:-default} (write $\${ for a literal "\${")` };
    }
    const value = lookup(env, name);
    if (separator !== -1) out += value ? value : body.slice(separator + 2);
    else if (value === undefined) return { error: `environment variable ${name} is not set${VS_CODE_VARIABLES.has(name) ? ` (a VS Code variable: give mcpo its value, e.g. -e ${name}=/path)` : ''}` };
    else out += value;
    i = close + 1;
  }
  return { value: out + text.slice(i) };
}

/**
 * Expands every string value in a JSON tree; returns a new tree. Problems are collected (with the path
 * of the string) rather than thrown, so one message can list all of them; a failed string becomes "".
 */
export function expandTree(value: unknown, env: Environment, problems: ExpansionProblem[], path: JsonPath = []): unknown {
  if (typeof value === 'string') {
    const result = expandString(value, env);
    if ('value' in result) return result.value;
    problems.push({ path, message: result.error });
    return '';
  }
  if (Array.isArray(value)) return value.map((item, index) => expandTree(item, env, problems, [...path, index]));
  if (isJsonObject(value)) {
    // fromEntries defines own properties, so a "__proto__" key stays a key instead of setting the prototype.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandTree(item, env, problems, [...path, key])]));
  }
  return value;
}
