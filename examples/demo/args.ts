/**
 * Command-line flags of the OAuth demo (main.ts), parsed into DemoFlags. Pure: no process access, so it is testable.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { LOG_LEVELS, type LogLevel } from '../../src/log/logger.js';

/** mcpo's port, as `mcpo --port` defaults it. */
export const DEFAULT_MCPO_PORT = 8000;
/** The example OAuth server's port: next to mcpo's, and what examples/config_oauth*.json point at. */
export const DEFAULT_SERVER_PORT = 8001;
/** The config the demo serves by default. */
export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../config_oauth.json', import.meta.url));

export const USAGE = `Usage: npm run demo -- [options]

Starts the example OAuth server (tools echo, sum, stock_price) and mcpo in front of it, walks you through
the consent page, then prints curl commands for the tools. Ctrl-C stops both.

Options:
  --config <file>          mcpServers config (default examples/config_oauth.json); its URLs are pointed at the
                           example server, wherever it listens
  --port <n>               mcpo's port (default ${DEFAULT_MCPO_PORT}; 0 picks a free one)
  --server-port <n>        the example OAuth server's port (default ${DEFAULT_SERVER_PORT}; 0 picks a free one)
  --callback-port <n>      mcpo's OAuth callback port (default: the config's callback_port, 3030; 0 = free)
  --mcpo-home <dir>        where mcpo keeps its token files (default: a new temporary folder, deleted on exit;
                           a folder given here is kept after exit; the example server starts empty each time,
                           so a token file of an earlier run for its URL is removed at start)
  --auto-approve           no consent page: the server approves at once and the demo follows the redirect
                           itself, without a browser (headless machines, tests)
  --no-browser             print the authorization URL instead of opening a browser
  --access-token-ttl <s>   access-token lifetime in seconds (default 3600); mcpo refreshes 60 s before expiry,
                           so 70 shows a refresh 10 s after login; 10 refreshes before every request
  --log-level <level>      mcpo's log level: ${LOG_LEVELS.join(', ')} (default info)
  -h, --help               show this help
`;

/** Thrown for flags the demo cannot use; main.ts prints the message and the usage, and exits 2. */
export class DemoUsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'DemoUsageError';
  }
}

export interface DemoFlags {
  configFile: string;
  port: number;
  serverPort: number;
  /** Undefined: as configured. */
  callbackPort?: number;
  /** Undefined: a temporary folder. */
  mcpoHome?: string;
  autoApprove: boolean;
  noBrowser: boolean;
  accessTokenTtlSeconds?: number;
  logLevel: LogLevel;
}

export type DemoCommand = { kind: 'help' } | { kind: 'run'; flags: DemoFlags };

function integer(name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new DemoUsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** Parses argv (without node and the script path). */
export function parseDemoArgs(argv: readonly string[]): DemoCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        'server-port': { type: 'string' },
        'callback-port': { type: 'string' },
        'mcpo-home': { type: 'string' },
        'auto-approve': { type: 'boolean' },
        'no-browser': { type: 'boolean' },
        'access-token-ttl': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new DemoUsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const logLevel = v['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new DemoUsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const callbackPort = integer('callback-port', v['callback-port'], 0, 65535);
  const accessTokenTtlSeconds = integer('access-token-ttl', v['access-token-ttl'], 1);
  if (v['mcpo-home'] === '') throw new DemoUsageError('--mcpo-home must not be empty');
  return {
    kind: 'run',
    flags: {
      configFile: v.config ?? DEFAULT_CONFIG_FILE,
      port: integer('port', v.port, 0, 65535) ?? DEFAULT_MCPO_PORT,
      serverPort: integer('server-port', v['server-port'], 0, 65535) ?? DEFAULT_SERVER_PORT,
      ...(callbackPort === undefined ? {} : { callbackPort }),
      ...(v['mcpo-home'] === undefined ? {} : { mcpoHome: v['mcpo-home'] }),
      autoApprove: v['auto-approve'] ?? false,
      noBrowser: v['no-browser'] ?? false,
      ...(accessTokenTtlSeconds === undefined ? {} : { accessTokenTtlSeconds }),
      logLevel: logLevel as LogLevel,
    },
  };
}
