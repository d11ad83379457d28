/**
 * Single-server mode: `mcpo -- uvx mcp-server-time` or `mcpo --server-type streamable-http -- <url>`.
 * The command line becomes one entry, checked by the same schema as a config file entry.
 */
import { UsageError } from '../errors.js';
import { expandTree, type Environment, type ExpansionProblem } from './expand.js';
import { serverNameProblem } from './names.js';
import { normalizeEntry } from './normalize.js';
import { InvalidConfigError, isWithin, problemFromIssue, type ConfigProblem } from './problems.js';
import { serverEntrySchema, transportOf, type TransportType } from './schema.js';
import type { ServerEntry } from './types.js';
import { isHttpUrl } from './urls.js';

/** The entry's name when the caller gives none. */
export const DEFAULT_SINGLE_SERVER_NAME = 'server';

/** How problems are attributed in messages (there is no file). */
export const COMMAND_LINE_SOURCE = 'command line';

export interface CommandLineServer {
  /** Everything after `--`: a command and its arguments, or a single URL. */
  command: string[];
  /** `--server-type`: stdio | sse | streamable-http (and the aliases a config `type` accepts). */
  serverType?: string;
  /** `--header` values, for a remote server. */
  headers?: Record<string, string>;
  /** Variables for a stdio server (from --env / --env-path). Ignored for a remote server. */
  env?: Record<string, string>;
  /** Default DEFAULT_SINGLE_SERVER_NAME. */
  name?: string;
}

function transportFor(input: CommandLineServer): TransportType | 'auto' {
  if (input.serverType !== undefined) {
    const transport = transportOf(input.serverType);
    if (!transport) throw new UsageError(`--server-type ${JSON.stringify(input.serverType)}: use "stdio", "sse" or "streamable-http"`);
    return transport;
  }
  // A lone URL cannot be a command to run, so treat it like a config `url` without `type`.
  const [first] = input.command;
  return input.command.length === 1 && first !== undefined && isHttpUrl(first) ? 'auto' : 'stdio';
}

/**
 * One ServerEntry from the command line. `${VAR}` in the command, arguments, URL and header values is
 * expanded from `options.env` like in a config file (the shell has usually expanded already; what is
 * left was quoted on purpose); `env` values are taken as they are. Throws UsageError for a missing
 * command, an unknown --server-type or flags that do not fit the server type; InvalidConfigError
 * (CONFIG_INVALID, source "command line") for values the config schema rejects.
 */
export function entryFromCommandLine(input: CommandLineServer, options: { env: Environment }): ServerEntry {
  const [command, ...args] = input.command;
  if (command === undefined || command === '') {
    throw new UsageError('no server given after --: e.g. mcpo -- uvx mcp-server-time, or mcpo --server-type streamable-http -- https://host/mcp');
  }
  const transport = transportFor(input);
  const headers = input.headers ?? {};
  let raw: Record<string, unknown>;
  if (transport === 'stdio') {
    if (Object.keys(headers).length > 0) throw new UsageError('--header applies only to a remote server (--server-type sse or streamable-http)');
    raw = { command, args };
  } else {
    if (args.length > 0) {
      throw new UsageError(`a ${transport === 'auto' ? 'remote' : transport} server takes exactly one URL after --, got ${input.command.length} arguments`);
    }
    raw = { url: command, headers, ...(transport === 'auto' ? {} : { type: transport }) };
  }

  const expansionProblems: ExpansionProblem[] = [];
  const expanded = expandTree(raw, options.env, expansionProblems) as Record<string, unknown>;
  if (transport === 'stdio') expanded.env = input.env ?? {};
  const result = serverEntrySchema.safeParse(expanded, { reportInput: true });

  const name = input.name ?? DEFAULT_SINGLE_SERVER_NAME;
  const problems: ConfigProblem[] = [...expansionProblems];
  const nameProblem = serverNameProblem(name);
  if (nameProblem) problems.push({ path: [], message: nameProblem });
  for (const issue of result.error?.issues ?? []) {
    const problem = problemFromIssue(issue);
    if (!expansionProblems.some((p) => isWithin(problem.path, p.path))) problems.push(problem);
  }
  if (problems.length > 0 || !result.success) throw new InvalidConfigError(COMMAND_LINE_SOURCE, problems);
  return normalizeEntry(name, result.data);
}
