/**
 * Runs the OAuth example server from the command line:
 *
 *   npx tsx examples/oauth-server/main.ts --port 8000
 *
 * Prints `Listening on <origin>` and the endpoints on stdout, one line per request on stderr (never tokens).
 * This is the only file of the example that touches `process`.
 */
import { CliUsageError, parseCliArgs, USAGE } from './cli.js';
import { startOAuthExampleServer } from './index.js';

async function main(): Promise<void> {
  let command;
  try {
    command = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const server = await startOAuthExampleServer({
    ...command.options,
    log: command.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    [
      `Listening on ${server.url}`,
      `  MCP (streamable HTTP): ${server.mcpUrl}`,
      `  MCP (legacy SSE):      ${server.sseUrl}`,
      `  OAuth metadata:        ${server.url}/.well-known/oauth-authorization-server`,
      `  Consent page:          ${command.options.autoApprove ? 'off (--auto-approve)' : 'on'}`,
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`oauth-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
