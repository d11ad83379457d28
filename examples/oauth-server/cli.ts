/**
 * Command-line flags of main.ts, parsed into server options. Pure: no process access, so it is testable.
 */
import { parseArgs } from 'node:util';
import type { OAuthClientInformationFull } from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
  type OAuthExampleServerOptions,
} from './options.js';

export const USAGE = `Usage: tsx examples/oauth-server/main.ts [options]

OAuth 2.1 authorization server + OAuth-protected MCP server (tools: echo, sum, stock_price), all local.

Options:
  --port <n>                   TCP port; 0 picks a free one (default ${DEFAULT_PORT})
  --host <addr>                Address to bind (default ${DEFAULT_HOST})
  --access-token-ttl <s>       Access-token lifetime in seconds (default ${DEFAULT_ACCESS_TOKEN_TTL_SECONDS}); try 10 to watch refreshes
  --refresh-token-ttl <s>      Refresh-token lifetime in seconds (default ${DEFAULT_REFRESH_TOKEN_TTL_SECONDS})
  --auto-approve               Skip the consent page: /authorize redirects back with a code at once
  --client-id <id>             Pre-register a confidential client (client_secret_basic) with this id...
  --client-secret <secret>     ...this secret...
  --redirect-uri <url>         ...and this redirect URI (repeatable)
  --quiet                      Do not log requests to stderr
  -h, --help                   Show this help
`;

/** Thrown for flags the CLI cannot use; main.ts prints the message and the usage, and exits 2. */
export class CliUsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'serve'; options: Omit<OAuthExampleServerOptions, 'log' | 'now'>; quiet: boolean };

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new CliUsageError(`--${name} must be an integer >= ${min}`);
  return n;
}

function staticClient(id: string | undefined, secret: string | undefined, redirectUris: string[]): OAuthClientInformationFull[] {
  if (id === undefined && secret === undefined && redirectUris.length === 0) return [];
  if (!id || !secret || redirectUris.length === 0) {
    throw new CliUsageError('--client-id, --client-secret and at least one --redirect-uri go together');
  }
  for (const uri of redirectUris) if (!URL.canParse(uri)) throw new CliUsageError(`--redirect-uri is not a URL: ${uri}`);
  return [
    {
      client_id: id,
      client_secret: secret,
      client_name: `Pre-registered client ${id}`,
      redirect_uris: redirectUris,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ];
}

/** Parses argv (without node and script path). */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'access-token-ttl': { type: 'string' },
        'refresh-token-ttl': { type: 'string' },
        'auto-approve': { type: 'boolean' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const port = integer('port', v.port, 0);
  if (port !== undefined && port > 65535) throw new CliUsageError('--port must be at most 65535');
  return {
    kind: 'serve',
    quiet: v.quiet ?? false,
    options: {
      port: port ?? DEFAULT_PORT,
      host: v.host ?? DEFAULT_HOST,
      accessTokenTtlSeconds: integer('access-token-ttl', v['access-token-ttl'], 1),
      refreshTokenTtlSeconds: integer('refresh-token-ttl', v['refresh-token-ttl'], 1),
      autoApprove: v['auto-approve'] ?? false,
      clients: staticClient(v['client-id'], v['client-secret'], v['redirect-uri'] ?? []),
    },
  };
}
