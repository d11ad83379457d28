/**
 * argv → options → run(). The only file that touches `process`: exit codes (0 normal shutdown,
 * 1 runtime failure, 2 bad usage or invalid config) and signals (first SIGINT/SIGTERM shuts down
 * cleanly, a second one exits at once).
 */
import { readFileSync } from 'node:fs';
import { McpoError } from './errors.js';
import { createLogger, type Logger } from './log/logger.js';
import { buildRunOptions } from './cli/options.js';
import { parseCommandLine } from './cli/program.js';
import { run } from './run.js';
import { DEFAULT_MAX_CONCURRENT_CALLS } from './mcp/callLimiter.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

async function main(argv: string[]): Promise<number> {
  // `mcpo auth ...` is its own command tree: the root command's [server...] argument would swallow it.
  if (argv[2] === 'auth') {
    // Loaded only here: it brings every OAuth module, which serving needs only for entries with `oauth`.
    const { runAuthCli } = await import('./cli/auth.js');
    return runAuthCli(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr });
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
  const logger: Logger = createLogger({ level: flags.logLevel });
  for (const warning of commandLine.warnings) logger.warn(warning);
  let options;
  try {
    options = await buildRunOptions(flags, serverArgs, { env: process.env, logger, version: pkg.version });
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
