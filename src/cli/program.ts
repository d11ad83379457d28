/**
 * The command line of `mcpo` (serving; `mcpo auth …` is ./auth.ts): every flag of the Python mcpo with
 * its names, short forms and meaning, mcpo's own flags, an MCPO_* environment variable for each flag
 * (./envFlags.ts; a flag on the command line wins) and the help text. Two deliberate differences keep
 * CLI conventions: `-h` alone prints the help (with a value it is the Python mcpo's `-h HOST`), and
 * `--version`/`-V` alone print mcpo's version (with a value `-v/--version` is the document's info.version).
 */
import { Command, CommanderError, Option } from 'commander';
import { McpoError, UsageError } from '../errors.js';
import type { Environment } from '../config/expand.js';
import { TRANSPORT_TYPES } from '../config/schema.js';
import { applyEnvironmentFlags, environmentVariableOf } from './envFlags.js';
import { parseLogLevel } from './logLevel.js';
import type { CliFlags } from './options.js';

export interface CommandLineContext {
  /** mcpo's environment, for the MCPO_* variables (and LOG_LEVEL). */
  env: Environment;
  /** mcpo's own version (`--version`, `-V`) and the document's default info.version. */
  version: string;
  /** Default of --max-concurrent-calls, shown in the help. */
  defaultMaxConcurrentCalls: number;
  /** Help and version. */
  writeOut(text: string): void;
  /** Usage errors. */
  writeErr(text: string): void;
}

export type CommandLine =
  | { kind: 'serve'; flags: CliFlags; serverArgs: string[]; warnings: string[] }
  /** Help or version was printed, or a usage error was; nothing to serve. */
  | { kind: 'exit'; code: number };

const EXIT_OK = 0;
const EXIT_USAGE = 2;

const HELP_AFTER = `
Commands:
  mcpo auth login <server> -c FILE    authorize mcpo for an OAuth server now (--force, --no-browser)
  mcpo auth status -c FILE            token state of every OAuth server (never the tokens); --user NAME: a user's
  mcpo auth logout <server> -c FILE   revoke (when the server supports it) and delete saved tokens; --user NAME
  mcpo auth rotate-key                re-encrypt every token file with the first token key
  mcpo users add <name> -c FILE       make a key for a user, print it once, write its hash to the config (--force)
  mcpo users hash                     print the keyHash of a key read on stdin

Examples:
  mcpo --port 8000 --api-key top-secret -- uvx mcp-server-time --local-timezone=America/New_York
  mcpo --config config.json --hot-reload        # every server of a config file, /<name>/<tool>

Every option can also be set by an environment variable MCPO_<OPTION> (e.g. MCPO_API_KEY,
MCPO_PORT, MCPO_STRICT_AUTH=true, MCPO_CORS_ALLOW_ORIGINS=a,b); an option on the command line wins.
`;

/** --server-type values: the config file's `type` spellings. */
const SERVER_TYPES = Object.keys(TRANSPORT_TYPES);

/** The serving command's options. Their defaults are commander defaults, so an MCPO_* variable can tell set from unset. */
export function createProgram(context: Pick<CommandLineContext, 'version' | 'defaultMaxConcurrentCalls'>): Command {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const collectList = (value: string, previous: string[] = []) => [...previous, ...splitList(value)];
  return new Command('mcpo')
    .description('Serve MCP servers as an OpenAPI (REST) API.')
    .usage('[options] [-- <command> [args...] | -- <url>]')
    .argument('[server...]', 'single-server mode: the stdio command and its arguments, or the URL of a remote server (after --)')
    .helpOption('--help', 'print this help (so does -h alone)')
    .option('-c, --config <file>', 'mcpServers config file (Claude Desktop, Claude Code, Cursor or VS Code mcp.json format)')
    .addOption(new Option('-h, --host [host]', 'address to listen on (use 0.0.0.0 in containers)').default('127.0.0.1'))
    .option('-p, --port <port>', 'port to listen on', '8000')
    .option('-k, --api-key <key>', 'require this key as Bearer token (or Basic password) on tool routes; MCPO_API_KEY keeps it out of ps')
    .option('--api-key-file <file>', 'read the API key from FILE (one line), keeping it out of ps and the environment')
    .option('--token-key-file <file>', 'OAuth token files: encrypt them at rest with the keys in FILE (one per line, the first encrypts; see also MCPO_TOKEN_KEY)')
    .option('--strict-auth', 'also require the API key (or a user\'s key) for docs, openapi.json and healthz', false)
    .option('--user-header <name>', "header naming the user (e.g. X-OpenWebUI-User-Email), believed only on requests carrying --api-key: a trusted front-end's")
    .option('--cors-allow-origins <origins>', 'allowed CORS origins, comma-separated or repeated (* for any)', collectList)
    .option('--allowed-hosts <hosts>', 'host names requests may be addressed to, comma-separated or repeated (* for any). Default on loopback: localhost, 127.0.0.1, [::1]', collectList)
    .option('--root-path <path>', 'external path prefix when served behind a reverse proxy', '')
    .option('--path-prefix <path>', 'path prefix under which routes are served', '')
    .option('--public-url <url>', 'the address browsers and clients reach mcpo by (behind a proxy: https://host/path); links, documents and the OAuth callback use it')
    .option('--store <url>', 'keep OAuth tokens in a shared store for several mcpo replicas: redis://host:port/db or rediss://… (password in the URL or MCPO_STORE_PASSWORD)')
    .option('--store-prefix <prefix>', 'key prefix in the shared store (default mcpo:)')
    .option('--forwarded-allow-ips <ips>', 'proxies (IP addresses, comma-separated or repeated; * for any) whose X-Forwarded-For/-Proto/-Host the connections page believes. Default: none', collectList)
    .option('-n, --name <name>', 'OpenAPI document title', 'mcpo')
    .option('-d, --description <text>', 'OpenAPI document description')
    .addOption(new Option('-v, --version [version]', "with a value: the OpenAPI document's info.version; alone: print mcpo's version and exit"))
    .option('--openapi-version <version>', 'OpenAPI document info.version (same as -v VALUE)', context.version)
    .addOption(
      new Option('--server-type <type>', 'single-server mode: transport of the server (alias --type)').choices(SERVER_TYPES),
    )
    .addOption(new Option('--type <type>', 'alias of --server-type (the Python mcpo spelling)').choices(SERVER_TYPES).hideHelp())
    .option('-H, --header <header>', 'single-server mode: header for the remote server, "Name: value" or a JSON object (repeatable)', collect)
    .option('-e, --env <KEY=VALUE|KEY>', "add a variable to mcpo's environment (seen by ${VAR} and by servers; in single-server mode it is the server's own); KEY alone passes on KEY's current value (repeatable)", collect)
    .option('--env-path <file>', 'dotenv file whose variables are added like --env')
    .option('--isolated-env', "stdio servers get only a minimal environment (PATH, HOME, …) plus their \"env\", not mcpo's whole environment", false)
    .option('--log-level <level>', 'debug, info, warning, error, critical or silent (any case)', 'info')
    .option('-t, --ssl-certfile <file>', 'TLS certificate (PEM); serve HTTPS')
    .option('-K, --ssl-keyfile <file>', 'TLS private key (PEM)')
    .option('--timeout <seconds>', 'default per-call timeout in seconds for servers without "timeout"', '60')
    .option('--max-concurrent-calls <n>', 'default tool calls in flight per server for servers without "maxConcurrentCalls" (more wait their turn)', String(context.defaultMaxConcurrentCalls))
    .option('--max-body-size <size>', 'largest request body accepted (bytes, or 512kb, 10mb)', '10mb')
    .option('--hot-reload', 'watch the config file and apply changes without a restart', false)
    .option('--no-browser', 'OAuth servers: do not open a browser, only print the authorization URL')
    .addOption(new Option('-V', "print mcpo's version and exit"))
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run mcpo --help for usage)')
    .exitOverride();
}

/** "a, b" → ["a", "b"]: a list in one flag or variable (no origin or host name contains a comma). */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The options as commander gives them, before the Python spellings are folded in. */
interface RawFlags extends Omit<CliFlags, 'host' | 'logLevel'> {
  host: string | true;
  version?: string | true;
  V?: boolean;
  type?: string;
  logLevel: string;
}

/**
 * argv → what to do. Prints help, version and usage errors itself (through `context`), so the caller
 * only serves or exits with the returned code.
 */
export function parseCommandLine(argv: readonly string[], context: CommandLineContext): CommandLine {
  const cmd = createProgram(context).configureOutput({ writeOut: context.writeOut, writeErr: context.writeErr });
  try {
    cmd.parse([...argv]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { kind: 'exit', code: error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? EXIT_OK : EXIT_USAGE };
  }
  try {
    const warnings: string[] = [];
    applyEnvironmentFlags(cmd, context.env);
    const raw = cmd.opts<RawFlags>();
    if (raw.V === true || raw.version === true) {
      context.writeOut(`${context.version}\n`);
      return { kind: 'exit', code: EXIT_OK };
    }
    if (raw.host === true) {
      if (usedLongHost(argv)) throw new UsageError('--host needs an address, e.g. --host 0.0.0.0');
      cmd.outputHelp();
      return { kind: 'exit', code: EXIT_OK };
    }
    const { version, V: _V, type, ...rest } = raw;
    const flags: CliFlags = {
      ...rest,
      host: raw.host,
      serverType: oneOf('--server-type', raw.serverType, '--type', type),
      openapiVersion: infoVersion(cmd, version, raw.openapiVersion),
      logLevel: logLevelOf(cmd, raw.logLevel, context.env, warnings),
    };
    if (flags.serverType === undefined) delete flags.serverType;
    const fromEnvironment = Object.fromEntries(
      cmd.options.flatMap((option) => {
        const variable = environmentVariableOf(option);
        return option.long && variable && cmd.getOptionValueSource(option.attributeName()) === 'env' ? [[option.long, variable]] : [];
      }),
    );
    if (Object.keys(fromEnvironment).length > 0) flags.fromEnvironment = fromEnvironment;
    return { kind: 'serve', flags, serverArgs: cmd.args, warnings };
  } catch (error) {
    if (!(error instanceof McpoError && error.code === 'USAGE')) throw error;
    context.writeErr(`mcpo: ${error.message}\n`);
    return { kind: 'exit', code: EXIT_USAGE };
  }
}

/** A bare `--host` (before `--`) is a mistake; a bare `-h` asks for help. */
function usedLongHost(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--host');
}

function oneOf(flag: string, value: string | undefined, aliasFlag: string, alias: string | undefined): string | undefined {
  if (value !== undefined && alias !== undefined && value !== alias) throw new UsageError(`${flag} ${value} and ${aliasFlag} ${alias} contradict each other (they are the same option)`);
  return value ?? alias;
}

/** `-v VALUE` and `--openapi-version` are the same setting; a default of one never overrides the other. */
function infoVersion(cmd: Command, version: string | undefined, openapiVersion: string): string {
  if (version === undefined) return openapiVersion;
  const explicit = cmd.getOptionValueSource('openapiVersion') !== 'default';
  if (explicit && openapiVersion !== version) {
    throw new UsageError(`--version ${version} and --openapi-version ${openapiVersion} contradict each other (both set the document's info.version)`);
  }
  return version;
}

/** --log-level (or MCPO_LOG_LEVEL), else the Python mcpo's LOG_LEVEL variable, else info. */
function logLevelOf(cmd: Command, value: string, env: Environment, warnings: string[]) {
  const source = cmd.getOptionValueSource('logLevel');
  if (source !== 'default') return parseLogLevel(value, source === 'env' ? 'MCPO_LOG_LEVEL' : '--log-level');
  const python = Object.hasOwn(env, 'LOG_LEVEL') ? env.LOG_LEVEL : undefined;
  if (python === undefined || python === '') return parseLogLevel(value, '--log-level');
  try {
    return parseLogLevel(python, 'LOG_LEVEL');
  } catch (error) {
    // A generic name other programs use too: like the Python mcpo, an unknown value falls back to info.
    warnings.push(`${(error as Error).message}; using info`);
    return 'info';
  }
}
