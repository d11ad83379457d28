/**
 * Reading the config (`mcpServers`, or VS Code's `servers`): JSON (with line/column on syntax errors) → warnings for unknown keys →
 * `${VAR}` expansion → zod validation → normalized McpoConfig. Every problem is collected and
 * reported in one ConfigError (InvalidConfigError) naming the file, the JSON path and the line.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { withEnvFiles, type ReadText } from './envFile.js';
import { expandTree, type Environment, type ExpansionProblem } from './expand.js';
import { formatJsonPath, isJsonObject } from './jsonPath.js';
import { scanJson, type JsonDocumentMap } from './jsonScan.js';
import { normalizeConfig } from './normalize.js';
import { formatLocation, InvalidConfigError, isWithin, problemFromIssue, sortByLocation, type ConfigProblem } from './problems.js';
import { configFileSchema, SERVER_LIST_KEYS, type ServerListKey } from './schema.js';
import type { McpoConfig } from './types.js';
import { configWarnings } from './warnings.js';

export interface ParseOptions {
  /** How the file is named in messages (the path as the user gave it). */
  file: string;
  /** Variables for `${VAR}` expansion (mcpo never reads process.env here). */
  env: Environment;
  /** Receives one line per warning, e.g. `config.json: mcpServers.x.comand: unknown key (did you mean "command"?)`. */
  warn: (message: string) => void;
  /** Reads VS Code `envFile`s (relative to `file`). Default: readFileSync. */
  readText?: ReadText;
}

const EXAMPLE = '{"mcpServers": {"<name>": {"command": "…"} or {"url": "https://…"}}}';

/** Entries marked `"disabled": true` are left out before expansion and validation (they may lack their secrets). */
function withoutDisabled(servers: Record<string, unknown>): { enabled: Record<string, unknown>; disabled: number } {
  const kept = Object.entries(servers).filter(([, entry]) => !(isJsonObject(entry) && entry.disabled === true));
  return { enabled: Object.fromEntries(kept), disabled: Object.keys(servers).length - kept.length };
}

/**
 * VS Code's `"type": "http"` means streamable HTTP with a fallback to SSE, which is what a url without
 * `type` means here; elsewhere (Claude Code) "http" is streamable HTTP only.
 */
function asVsCodeMeansIt(servers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(servers).map(([name, entry]) => {
      if (!isJsonObject(entry) || typeof entry.type !== 'string' || entry.type.toLowerCase() !== 'http') return [name, entry];
      if (entry.command !== undefined || entry.url === undefined) return [name, entry];
      const { type: _http, ...auto } = entry;
      return [name, auto];
    }),
  );
}

function validate(root: Record<string, unknown>, key: ServerListKey, options: ParseOptions, map: JsonDocumentMap): McpoConfig {
  let disabled = 0;
  let candidate: Record<string, unknown> = root;
  const servers = root[key];
  if (isJsonObject(servers)) {
    const split = withoutDisabled(servers);
    disabled = split.disabled;
    candidate = { ...root, [key]: key === 'servers' ? asVsCodeMeansIt(split.enabled) : split.enabled };
  }
  const expansionProblems: ExpansionProblem[] = [];
  const expanded = expandTree(candidate, options.env, expansionProblems);
  const result = configFileSchema.safeParse(expanded, { reportInput: true });

  const problems: ConfigProblem[] = [...expansionProblems];
  for (const issue of result.error?.issues ?? []) {
    const problem = problemFromIssue(issue);
    // A string that failed to expand was replaced by "", which can fail validation too: say it once.
    if (!expansionProblems.some((p) => isWithin(problem.path, p.path))) problems.push(problem);
  }
  const enabled = candidate[key];
  if (isJsonObject(enabled) && Object.keys(enabled).length === 0) {
    const message = disabled ? `no servers configured: all ${disabled} are "disabled": true` : `no servers configured: expected ${EXAMPLE}`;
    problems.push({ path: [key], message });
  }
  let file = result.data;
  const listed = file?.[key];
  if (listed && problems.length === 0) file = { ...file, [key]: withEnvFiles(listed, { key, configFile: options.file, read: options.readText }, problems) };
  if (problems.length > 0 || !result.success || !file) {
    throw new InvalidConfigError(options.file, sortByLocation(problems.map((p) => ({ ...p, location: map.locate(p.path) }))));
  }
  return normalizeConfig(file);
}

/** Which server list the file has; a ConfigError when it has none or both. */
function serverListKey(root: Record<string, unknown>, file: string): ServerListKey {
  const present = SERVER_LIST_KEYS.filter((key) => root[key] !== undefined);
  if (present.length === 2) {
    throw new ConfigError('has both "mcpServers" and "servers" (VS Code\'s name for the same list): keep one', { file });
  }
  const [key] = present;
  if (key === undefined) throw new ConfigError(`has no "mcpServers" object (or "servers", as VS Code writes it): expected ${EXAMPLE}`, { file });
  return key;
}

/** Parses and validates config text. Throws ConfigError (CONFIG_INVALID) naming `options.file`. */
export function parseConfig(text: string, options: ParseOptions): McpoConfig {
  const { file } = options;
  const scan = scanJson(text);
  if (!scan.ok) {
    const { line, column, message } = scan.error;
    throw new ConfigError(`invalid JSON at line ${line}, column ${column}: ${message}`, { file });
  }
  const root: unknown = JSON.parse(scan.json.replace(/^\uFEFF/, ''));
  if (!isJsonObject(root)) throw new ConfigError(`must contain a JSON object like ${EXAMPLE}`, { file });

  for (const warning of configWarnings(root, scan.map)) {
    const path = formatJsonPath(warning.path);
    options.warn(`${file}: ${path ? `${path}: ` : ''}${warning.message}${formatLocation(warning.location)}`);
  }
  return validate(root, serverListKey(root, file), options, scan.map);
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
};

/** Reads `file` (UTF-8) and parses it; an unreadable file is a ConfigError naming it. */
export async function loadConfig(file: string, options: Omit<ParseOptions, 'file'>): Promise<McpoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(`cannot read the config file: ${READ_ERRORS[code] ?? (error as Error).message}`, { file }, error);
  }
  return parseConfig(text, { ...options, file });
}
