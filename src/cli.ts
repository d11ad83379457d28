/**
 * argv → options → run(). The only file that touches `process`: exit codes (0 normal shutdown,
 * 1 runtime failure, 2 bad usage or invalid config) and signals (first SIGINT/SIGTERM/SIGHUP shuts down
 * cleanly within SHUTDOWN_DEADLINE_MS, a second one exits at once).
 *
 * However mcpo exits (normally, on a second signal, past the deadline, or on an uncaught exception or
 * unhandled rejection) it first ends every stdio child still running, synchronously: process.exit does not
 * wait for the sessions' asynchronous closing, and a child must never outlive mcpo.
 */
import { readFileSync } from 'node:fs';
import { McpoError } from './errors.js';
import { createLogger, type Logger } from './log/logger.js';
import { buildRunOptions } from './cli/options.js';
import { parseCommandLine } from './cli/program.js';
import { run } from './run.js';
import { DEFAULT_MAX_CONCURRENT_CALLS } from './mcp/callLimiter.js';
import { liveChildren } from './mcp/liveChildren.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * From the first signal, the longest a clean shutdown may take before mcpo ends its children and exits anyway
 * (exit status 1). The shutdown itself takes at most 4.2 s (src/shutdown.ts); this leaves room to exit under 5 s.
 */
export const SHUTDOWN_DEADLINE_MS = 4_750;

/** Once main() has a logger, fatal errors are logged through it. */
let logger: Logger | undefined;

/** Ends every stdio child still running (SIGKILL: there is no time left to wait for anything) and exits. */
function exitNow(code: number): never {
  liveChildren.killAll('SIGKILL');
  process.exit(code);
}

/** An uncaught exception or unhandled rejection: a bug. Logged with its stack; the children end with mcpo. */
function fatal(what: string, error: unknown): never {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    if (logger) logger.error(`${what}; exiting`, { error: detail });
    else process.stderr.write(`mcpo: ${what}: ${detail}\n`);
  } finally {
    exitNow(EXIT_FAILURE);
  }
}

process.on('uncaughtException', (error) => fatal('uncaught exception', error));
process.on('unhandledRejection', (reason) => fatal('unhandled rejection', reason));

async function main(argv: string[]): Promise<number> {
  // `mcpo auth ...` is its own command tree: the root command's [server...] argument would swallow it.
  if (argv[2] === 'auth') {
    // Loaded only here: it brings every OAuth module, which serving needs only for entries with `oauth`.
    const { runAuthCli } = await import('./cli/auth.js');
    return runAuthCli(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr });
  }
  if (argv[2] === 'users') {
    const { runUsersCli } = await import('./cli/users.js');
    return runUsersCli(argv, { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  }
  const commandLine = parseCommandLine(argv, {
    env: process.env,
    version: pkg.version,
    defaultMaxConcurrentCalls: DEFAULT_MAX_CONCURRENT_CALLS,
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
  });
  if (commandLine.kind === 'exit') return commandLine.code;
  const { flags, serverArgs } = commandLine;
  const log: Logger = createLogger({ level: flags.logLevel });
  logger = log;
  for (const warning of commandLine.warnings) log.warn(warning);
  let options;
  try {
    options = await buildRunOptions(flags, serverArgs, { env: process.env, logger: log, version: pkg.version });
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
        log.warn('second signal: exiting now', { signal, children: liveChildren.pids().length });
        exitNow(EXIT_FAILURE);
      }
      log.info('shutting down', { signal });
      setTimeout(() => {
        log.error('shutdown took too long: exiting now', { deadlineMs: SHUTDOWN_DEADLINE_MS, children: liveChildren.pids().length });
        exitNow(EXIT_FAILURE);
      }, SHUTDOWN_DEADLINE_MS).unref();
      running.close().then(
        () => resolve(EXIT_OK),
        (error) => {
          log.error('shutdown failed', { error });
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // The terminal mcpo ran in was closed: Node's default would exit at once and leave the children running.
    process.on('SIGHUP', onSignal);
  });
}

main(process.argv).then(
  (code) => exitNow(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mcpo: ${message}\n`);
    exitNow(error instanceof McpoError && error.code === 'CONFIG_INVALID' ? EXIT_USAGE : EXIT_FAILURE);
  },
);
