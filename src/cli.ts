/**
 * argv → options → run(). The only file that touches `process`: exit codes (0 normal shutdown,
 * 1 runtime failure, 2 bad usage or invalid config) and signals (first SIGINT/SIGTERM shuts down
 * cleanly, a second one exits at once).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { McpoError } from './errors.js';
import { createLogger, type Logger } from './log/logger.js';
import { buildRunOptions, type CliFlags } from './cli/options.js';
import { run } from './run.js';
import { DEFAULT_MAX_CONCURRENT_CALLS } from './mcp/callLimiter.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function program(): Command {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  return new Command('mcpo')
    .description('Serve MCP servers as an OpenAPI (REST) API.')
    .usage('[options] [-- <command> [args...] | -- <url>]')
    .argument('[server...]', 'single-server mode: the stdio command and its arguments, or the URL of a remote server (after --)')
    .option('-c, --config <file>', 'mcpServers config file (Claude Desktop format)')
    .option('--host <host>', 'address to listen on (use 0.0.0.0 in containers)', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on', '8000')
    .option('-k, --api-key <key>', 'require this key as Bearer token (or Basic password) on tool routes')
    .option('--strict-auth', 'also require the API key for docs, openapi.json and healthz', false)
    .option('--cors-allow-origins <origin>', 'allowed CORS origin (repeatable; * for any)', collect)
    .option('--allowed-hosts <host>', 'host name requests may be addressed to (repeatable; * for any). Default on loopback: localhost, 127.0.0.1, [::1]', collect)
    .option('--root-path <path>', 'external path prefix when served behind a reverse proxy', '')
    .option('--path-prefix <path>', 'path prefix under which routes are served', '')
    .option('--name <name>', 'OpenAPI document title', 'mcpo')
    .option('--description <text>', 'OpenAPI document description')
    .option('--openapi-version <version>', 'OpenAPI document info.version', pkg.version)
    .addOption(
      new Option('--server-type <type>', 'single-server mode: transport of the remote server').choices([
        'stdio',
        'sse',
        'streamable-http',
        'streamable_http',
        'streamablehttp',
        'http',
      ]),
    )
    .option('-H, --header <header>', 'single-server mode: header for the remote server, "Name: value" or a JSON object (repeatable)', collect)
    .option('-e, --env <KEY=VALUE>', 'environment variable for the server (repeatable)', collect)
    .option('--env-path <file>', 'dotenv file with environment variables')
    .option('--isolated-env', 'stdio servers get only a minimal environment (PATH, HOME, …) plus their "env", not mcpo\'s whole environment', false)
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .option('--ssl-certfile <file>', 'TLS certificate (PEM); serve HTTPS')
    .option('--ssl-keyfile <file>', 'TLS private key (PEM)')
    .option('--timeout <seconds>', 'default per-call timeout in seconds for servers without "timeout"', '60')
    .option('--max-concurrent-calls <n>', 'default tool calls in flight per server for servers without "maxConcurrentCalls" (more wait their turn)', String(DEFAULT_MAX_CONCURRENT_CALLS))
    .option('--max-body-size <size>', 'largest request body accepted (bytes, or 512kb, 10mb)', '10mb')
    .option('--hot-reload', 'watch the config file and apply changes without a restart', false)
    .option('--no-browser', 'OAuth servers: do not open a browser, only print the authorization URL')
    .version(pkg.version, '-V, --version', 'print the version')
    .showHelpAfterError('(run mcpo --help for usage)')
    .exitOverride();
}

async function main(argv: string[]): Promise<number> {
  // `mcpo auth ...` is its own command tree: the root command's [server...] argument would swallow it.
  if (argv[2] === 'auth') {
    // Loaded only here: it brings every OAuth module, which serving needs only for entries with `oauth`.
    const { runAuthCli } = await import('./cli/auth.js');
    return runAuthCli(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr });
  }
  const cmd = program();
  try {
    cmd.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help'
        ? EXIT_OK
        : EXIT_USAGE;
    }
    throw error;
  }
  const flags = cmd.opts<CliFlags>();
  const logger: Logger = createLogger({ level: flags.logLevel });
  let options;
  try {
    options = await buildRunOptions(flags, cmd.args, { env: process.env, logger, version: pkg.version });
  } catch (error) {
    if (error instanceof McpoError && (error.code === 'CONFIG_INVALID' || error.code === 'USAGE')) {
      process.stderr.write(`mcpo: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  const running = await run(options);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn('second signal: exiting now', { signal });
        process.exit(EXIT_FAILURE);
      }
      logger.info('shutting down', { signal });
      running.close().then(
        () => resolve(EXIT_OK),
        (error) => {
          logger.error('shutdown failed', { error });
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mcpo: ${message}\n`);
    process.exit(error instanceof McpoError && error.code === 'CONFIG_INVALID' ? EXIT_USAGE : EXIT_FAILURE);
  },
);
