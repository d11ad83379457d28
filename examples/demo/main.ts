/**
 * `npm run demo`: the example OAuth server and mcpo together, the consent page in the browser, then curl
 * commands for the tools. The only file of the demo that touches `process`: flags, streams, signals, exit
 * codes (0 after Ctrl-C, 1 when something failed, 2 for bad flags or an invalid config).
 *
 *   npx tsx examples/demo/main.ts --help
 */
import { McpoError } from '../../src/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { DemoUsageError, parseDemoArgs, USAGE, type DemoFlags } from './args.js';
import { chooseBrowserMode, createOpenBrowser, hasDisplay } from './browser.js';
import { readyText, startedText } from './instructions.js';
import { startOAuthDemo, type OAuthDemo } from './start.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
/** After close(), exit anyway if something still holds the event loop this long (never leave the demo hanging). */
const EXIT_GRACE_MS = 3000;

/**
 * A Ctrl-C reaches every process of the terminal's group, and npm and tsx also relay it to their child, so
 * the demo can receive the same Ctrl-C two or three times within milliseconds: only a signal later than
 * this is a second Ctrl-C (exit at once).
 */
const DUPLICATE_SIGNAL_MS = 1000;

const out = (text: string) => process.stdout.write(text);
const err = (text: string) => process.stderr.write(text);

async function start(flags: DemoFlags): Promise<OAuthDemo> {
  const display = hasDisplay(process.platform, process.env);
  const browser = chooseBrowserMode({ autoApprove: flags.autoApprove, noBrowser: flags.noBrowser, display });
  const printReason = flags.noBrowser ? '--no-browser' : 'no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  const demo = await startOAuthDemo({
    configFile: flags.configFile,
    port: flags.port,
    serverPort: flags.serverPort,
    ...(flags.callbackPort === undefined ? {} : { callbackPort: flags.callbackPort }),
    ...(flags.mcpoHome === undefined ? {} : { mcpoHome: flags.mcpoHome }),
    autoApprove: flags.autoApprove,
    ...(flags.accessTokenTtlSeconds === undefined ? {} : { accessTokenTtlSeconds: flags.accessTokenTtlSeconds }),
    env: process.env,
    logger: createLogger({ level: flags.logLevel, write: (line) => err(`[mcpo] ${line}\n`) }),
    serverLog: (line) => err(`[oauth-server] ${line}\n`),
    warn: (message) => err(`demo: ${message}\n`),
    io: {
      output: process.stderr,
      // Getters: touching process.stdin opens it, which only a copy/paste prompt (use_loopback false) needs.
      get input() {
        return process.stdin;
      },
      get isTTY() {
        return process.stdin.isTTY === true;
      },
      openBrowser: createOpenBrowser(browser, { output: process.stderr, printReason, serverPort: flags.serverPort }),
    },
  });
  out(startedText({ ...demo, browser }));
  return demo;
}

/** Prints the curl commands the first time each OAuth server connects. */
function announceWhenConnected(demo: OAuthDemo, signal: AbortSignal): void {
  for (const { name } of demo.oauthServers) {
    demo.whenState(name, 'connected', signal).then(
      () => out(readyText({ mcpoUrl: demo.mcpoUrl, server: name, configFile: demo.configFile, mcpoHome: demo.mcpoHome, tokenFile: demo.tokenFile(name) })),
      () => {}, // stopped before it connected
    );
  }
}

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseDemoArgs(argv);
  } catch (error) {
    if (!(error instanceof DemoUsageError)) throw error;
    err(`demo: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (command.kind === 'help') {
    out(USAGE);
    return EXIT_OK;
  }

  // Signals are handled from the start: a Ctrl-C while the servers start stops them once they are up.
  const stopping = new AbortController();
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt === undefined) {
      firstSignalAt = now;
      err(`\ndemo: ${signal}: stopping mcpo and the example server\n`);
      stopping.abort();
    } else if (now - firstSignalAt > DUPLICATE_SIGNAL_MS) {
      err(`demo: ${signal} again: exiting without waiting\n`);
      process.exit(EXIT_FAILURE);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let demo: OAuthDemo;
  try {
    demo = await start(command.flags);
  } catch (error) {
    const usage = error instanceof McpoError && (error.code === 'CONFIG_INVALID' || error.code === 'USAGE');
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    err(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    if (inUse) err("demo: the example server's port is in use: pick another with --server-port (0 = any free port)\n");
    return usage || inUse ? EXIT_USAGE : EXIT_FAILURE;
  }

  announceWhenConnected(demo, stopping.signal);
  if (!stopping.signal.aborted) await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  try {
    await demo.close();
    return EXIT_OK;
  } catch (error) {
    err(`demo: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    err(`demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
