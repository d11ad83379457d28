/**
 * What the demo prints on stdout: where everything is once it starts, and ready-to-paste curl commands with
 * the answers to expect once mcpo is connected. Pure text builders, so the test can check them.
 */
import { STOCK_PRICES } from '../oauth-server/index.js';
import type { BrowserMode } from './browser.js';

/** One example call of a tool through mcpo. */
export interface ExampleCall {
  tool: string;
  args: Record<string, unknown>;
  /** The JSON body mcpo answers with (200). */
  expected: unknown;
  /** What happens on the way, if anything. */
  note?: string;
}

const STOCK_SYMBOL = 'AAPL';

/** echo, sum and stock_price with the answers the example server gives. */
export const EXAMPLE_CALLS: readonly ExampleCall[] = [
  { tool: 'echo', args: { message: 'hello' }, expected: { message: 'hello' } },
  { tool: 'sum', args: { a: 2, b: 3 }, expected: { result: 5 } },
  {
    tool: 'stock_price',
    args: { symbol: STOCK_SYMBOL },
    expected: { symbol: STOCK_SYMBOL, price: STOCK_PRICES[STOCK_SYMBOL], currency: 'USD' },
    note:
      'the first time, the server answers 403 insufficient_scope (it needs tools:execute:finance): mcpo asks you to ' +
      'approve again with the larger scope (step-up) and the call waits until you did',
  },
];

/** A curl command line calling `tool` on `server` through mcpo. */
export function curlCommand(mcpoUrl: string, server: string, call: Pick<ExampleCall, 'tool' | 'args'>): string {
  const body = JSON.stringify(call.args).replaceAll("'", "'\\''");
  return `curl -s -X POST ${mcpoUrl}/${server}/${call.tool} -H 'Content-Type: application/json' -d '${body}'`;
}

export interface StartedInfo {
  mcpoUrl: string;
  serverUrl: string;
  configFile: string;
  mcpoHome: string;
  /** True when mcpoHome is a temporary folder deleted on exit. */
  temporaryHome: boolean;
  browser: BrowserMode;
}

const BROWSER_LINES: Record<BrowserMode, string> = {
  system: 'mcpo opens the consent page in your browser: click Approve.',
  print: 'mcpo prints the consent page URL (stderr): open it in a browser and click Approve.',
  follow: 'auto-approve: no consent page; the demo follows the authorization redirect itself.',
};

/** Printed once both servers listen, before any authorization. */
export function startedText(info: StartedInfo): string {
  return [
    '',
    `Example OAuth server: ${info.serverUrl}  (MCP at ${info.serverUrl}/mcp)`,
    `mcpo:                 ${info.mcpoUrl}  (docs at ${info.mcpoUrl}/docs)`,
    `Config served:        ${info.configFile}`,
    `Token files:          ${info.mcpoHome}/tokens/${info.temporaryHome ? '  (temporary: deleted when the demo stops)' : ''}`,
    '',
    BROWSER_LINES[info.browser],
    'Ctrl-C stops the demo.',
    '',
  ].join('\n');
}

export interface ReadyInfo {
  mcpoUrl: string;
  server: string;
  configFile: string;
  mcpoHome: string;
  /** The server's token file, when it uses file storage. */
  tokenFile?: string;
}

/** Printed when the server is connected: what to try next. */
export function readyText(info: ReadyInfo): string {
  const lines = ['', `Server "${info.server}" is connected. Try the tools:`, ''];
  for (const call of EXAMPLE_CALLS) {
    lines.push(`  ${curlCommand(info.mcpoUrl, info.server, call)}`);
    if (call.note) lines.push(`    # ${call.note}`);
    lines.push(`    # expect: ${JSON.stringify(call.expected)}`, '');
  }
  lines.push(
    '  Status of every server (and the URL to open while one waits for authorization):',
    `  curl -s ${info.mcpoUrl}/healthz`,
    '',
  );
  if (info.tokenFile) lines.push(`Token file (mode 0600, token values inside): ${info.tokenFile}`);
  lines.push(
    'Token state without the values, from another terminal:',
    `  MCPO_HOME=${info.mcpoHome} node bin/mcpo.js auth status --config ${info.configFile}`,
    'Revoke and delete the tokens:',
    `  MCPO_HOME=${info.mcpoHome} node bin/mcpo.js auth logout ${info.server} --config ${info.configFile}`,
    '',
  );
  return lines.join('\n');
}
