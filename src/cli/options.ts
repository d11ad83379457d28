/**
 * Turns parsed command-line flags into RunOptions: loads the config (or builds the single-server
 * entry), the env files, TLS material, and checks every value, with UsageError/ConfigError naming it.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { readApiKeyFile } from './apiKeyFile.js';
import { TOKEN_KEY_ENV } from '../config/mcpoVariables.js';
import { loadConfig } from '../config/load.js';
import { entryFromCommandLine } from '../config/single.js';
import { isMcpoVariable } from '../config/mcpoVariables.js';
import { parseDotenv, parseEnvAssignments } from '../config/dotenv.js';
import type { ServerEntry } from '../config/types.js';
import { ConfigError, UsageError } from '../errors.js';
import { MAX_CONCURRENT_CALLS, MAX_TIMEOUT_SECONDS } from '../config/schema.js';
import type { Logger, LogLevel } from '../log/logger.js';
import type { RunOptions } from '../run.js';
import { userHeaderName } from '../server/identify.js';
import { resolvePublicAddress } from '../server/publicUrl.js';
import { checkPerUserEntries } from '../config/perUser.js';

/** The flags as commander gives them (camelCased). */
export interface CliFlags {
  config?: string;
  host: string;
  port: string;
  apiKey?: string;
  /** --api-key-file: the key read from a file, so it appears neither in `ps` nor in the environment. */
  apiKeyFile?: string;
  /** --token-key-file: token keys, one per line (MCPO_TOKEN_KEY gives them inline instead). */
  tokenKeyFile?: string;
  strictAuth: boolean;
  /** --user-header: the header a trusted front-end names the user in, believed only with the API key. */
  userHeader?: string;
  corsAllowOrigins?: string[];
  allowedHosts?: string[];
  rootPath: string;
  pathPrefix: string;
  /** --public-url: where browsers and clients reach mcpo (links, documents' servers, the OAuth redirect). */
  publicUrl?: string;
  /** --store: the shared store's URL (Redis). */
  store?: string;
  /** --store-prefix: its key prefix. */
  storePrefix?: string;
  /** --forwarded-allow-ips: proxies whose X-Forwarded-For/-Proto/-Host mcpo believes ('*': any). */
  forwardedAllowIps?: string[];
  name: string;
  description?: string;
  openapiVersion: string;
  serverType?: string;
  header?: string[];
  env?: string[];
  envPath?: string;
  /** --isolated-env: every stdio server gets the minimal environment, as `"inheritEnv": false` gives one. */
  isolatedEnv: boolean;
  logLevel: LogLevel;
  sslCertfile?: string;
  sslKeyfile?: string;
  timeout: string;
  maxConcurrentCalls: string;
  hotReload: boolean;
  maxBodySize: string;
  /** False with --no-browser (OAuth: print authorization URLs only). */
  browser?: boolean;
  /** Options set by an MCPO_* variable, e.g. {"--port": "MCPO_PORT"}: messages name what the user wrote. */
  fromEnvironment?: Readonly<Record<string, string>>;
}

export interface BuildContext {
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  version: string;
}

export async function buildRunOptions(flags: CliFlags, serverArgs: string[], context: BuildContext): Promise<RunOptions> {
  const { logger } = context;
  const named = (flag: string): string => flags.fromEnvironment?.[flag] ?? flag;
  if (flags.config && serverArgs.length) {
    throw new UsageError('use either --config FILE or a single server after --, not both');
  }
  if (!flags.config && !serverArgs.length) {
    throw new UsageError('nothing to serve: give --config FILE, or a server after -- (e.g. mcpo -- uvx mcp-server-time)');
  }
  if (flags.apiKey && flags.apiKeyFile) throw new UsageError(`give either ${named('--api-key')} or ${named('--api-key-file')}, not both`);
  if (flags.userHeader !== undefined && !flags.apiKey && !flags.apiKeyFile) {
    throw new UsageError(`${named('--user-header')} needs ${named('--api-key')} (or --api-key-file): the header is believed only on requests carrying that key, the front-end's`);
  }
  const userHeader = flags.userHeader === undefined ? undefined : userHeaderName(flags.userHeader, named('--user-header'));
  const apiKey = flags.apiKeyFile ? await readApiKeyFile(flags.apiKeyFile, named('--api-key-file'), logger) : flags.apiKey;
  const fileEnv = flags.envPath ? parseDotenv(await readText(flags.envPath, named('--env-path')), flags.envPath) : {};
  const flagEnv = parseEnvAssignments(flags.env ?? [], context.env);
  // --env-path and --env values join mcpo's environment (as the Python mcpo sets them in os.environ): ${VAR}
  // expansion sees them and inheriting children get them. In single-server mode they are also the server's
  // own `env`, so they reach it with --isolated-env too.
  const mcpoEnv = { ...context.env, ...fileEnv, ...flagEnv };
  // Parsed here, once: a bad key stops mcpo before it serves, and nothing later holds the key's text. Loaded only when
  // a key is given: serving stdio servers loads none of the OAuth code (test/e2e/startup.test.ts).
  const tokenCodec =
    flags.tokenKeyFile || mcpoEnv[TOKEN_KEY_ENV]
      ? await (await import('./tokenKeys.js')).loadTokenCodec({ env: mcpoEnv, keyFile: flags.tokenKeyFile, keyFileName: named('--token-key-file') }, logger)
      : undefined;
  const isolate = (entries: readonly ServerEntry[]): ServerEntry[] =>
    entries.map((entry) => (flags.isolatedEnv && entry.kind === 'stdio' ? { ...entry, inheritEnv: false } : entry));

  let servers: ServerEntry[];
  let mode: 'multi' | 'single';
  let hotReload: RunOptions['hotReload'];
  let configPublicUrl: string | undefined;
  let users: RunOptions['users'];
  let configStore: string | undefined;
  if (flags.hotReload && !flags.config) throw new UsageError('--hot-reload needs --config FILE');
  if (flags.config) {
    const file = flags.config;
    const read = () => loadConfig(file, { env: mcpoEnv, warn: (message) => logger.warn(message) });
    // A reload cannot change the public URL (flags win, and the file's is read once): it is known by the first load.
    const load = async () => {
      const config = await read();
      const reloaded = isolate(config.servers);
      checkPerUserEntries(reloaded, Boolean(flags.publicUrl || configPublicUrl), file);
      return { servers: reloaded, users: config.users ?? [] };
    };
    const config = await read();
    servers = isolate(config.servers);
    users = config.users;
    configPublicUrl = config.publicUrl;
    configStore = config.store;
    mode = 'multi';
    if (flags.hotReload) hotReload = { file, load };
  } else {
    servers = isolate([
      entryFromCommandLine(
        {
          command: serverArgs,
          ...(flags.serverType ? { serverType: flags.serverType } : {}),
          headers: parseHeaders(flags.header ?? []),
          // An --env-path file may hold mcpo's own settings too (one .env for a container): those stay with mcpo.
          env: Object.fromEntries(Object.entries({ ...fileEnv, ...flagEnv }).filter(([name]) => !isMcpoVariable(name))),
        },
        { env: mcpoEnv },
      ),
    ]);
    mode = 'single';
  }

  const address = resolvePublicAddress({
    rootPath: normalizePrefix(flags.rootPath, named('--root-path')),
    pathPrefix: normalizePrefix(flags.pathPrefix, named('--path-prefix')),
    ...(flags.publicUrl || configPublicUrl ? { publicUrl: flags.publicUrl || configPublicUrl } : {}),
    names: {
      publicUrl: flags.publicUrl ? named('--public-url') : `${flags.config}: publicUrl`,
      rootPath: named('--root-path'),
      pathPrefix: named('--path-prefix'),
    },
  });

  checkPerUserEntries(servers, address.publicUrl !== undefined, flags.config);
  const store =
    flags.store || configStore
      ? (await import('../oauth/store/redis/storeOption.js')).resolveStore({
          flag: flags.store ? { value: flags.store, name: named('--store') } : undefined,
          config: configStore && flags.config ? { value: configStore, file: flags.config } : undefined,
          prefix: flags.storePrefix ? { value: flags.storePrefix, name: named('--store-prefix') } : undefined,
          password: context.env.MCPO_STORE_PASSWORD,
        })
      : undefined;

  return {
    servers,
    mode,
    store,
    host: flags.host,
    port: parsePort(flags.port, named('--port')),
    logger,
    parentEnv: mcpoEnv,
    info: {
      title: flags.name,
      version: flags.openapiVersion,
      ...(flags.description ? { description: flags.description } : {}),
    },
    ...(apiKey ? { apiKey } : {}),
    ...(userHeader ? { userHeader } : {}),
    ...(users?.length ? { users } : {}),
    strictAuth: flags.strictAuth,
    ...(flags.corsAllowOrigins?.length ? { corsAllowOrigins: flags.corsAllowOrigins } : {}),
    ...(flags.allowedHosts?.length ? { allowedHosts: flags.allowedHosts.includes('*') ? '*' : flags.allowedHosts.map((host) => hostName(host, named('--allowed-hosts'))) } : {}),
    rootPath: address.rootPath,
    pathPrefix: address.pathPrefix,
    ...(address.publicUrl ? { publicUrl: address.publicUrl } : {}),
    ...(flags.forwardedAllowIps?.length ? { forwardedAllowIps: forwardedAllowIps(flags.forwardedAllowIps, named('--forwarded-allow-ips')) } : {}),
    defaultTimeoutMs: parseSeconds(flags.timeout, named('--timeout')) * 1000,
    defaultMaxConcurrentCalls: parseCount(flags.maxConcurrentCalls, named('--max-concurrent-calls')),
    bodyLimitBytes: parseByteSize(flags.maxBodySize, named('--max-body-size')),
    ...(hotReload ? { hotReload } : {}),
    ...(flags.browser === false ? { noBrowser: true } : {}),
    tokenCodec,
    clientInfo: { name: 'mcpo', version: context.version },
    ...(await readTls(flags, named)),
  };
}

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be a whole number from 0 to 65535, got "${value}"`);
  return port;
}

function parseCount(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENT_CALLS) throw new UsageError(`${flag} must be a whole number from 1 to ${MAX_CONCURRENT_CALLS}, got "${value}"`);
  return n;
}

function parseSeconds(value: string, flag: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${flag} must be a positive number of seconds, got "${value}"`);
  // The config file's limit for `timeout`: a longer timer would fire at once.
  if (seconds > MAX_TIMEOUT_SECONDS) throw new UsageError(`${flag} must be at most ${MAX_TIMEOUT_SECONDS} seconds (about 24 days), got "${value}"`);
  return seconds;
}

/** A Host allow-list entry: a name or an IP, IPv6 in brackets, no port, no scheme. */
export function hostName(value: string, flag = '--allowed-hosts'): string {
  const host = value.trim().toLowerCase();
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(host)) {
    throw new UsageError(`${flag} takes host names like mcpo.internal or [::1] (no scheme or port), got "${value}"`);
  }
  return host;
}

/** --forwarded-allow-ips: IP addresses of trusted proxies, or '*' for any peer. */
export function forwardedAllowIps(values: string[], flag = '--forwarded-allow-ips'): readonly string[] | '*' {
  if (values.includes('*')) return '*';
  return values.map((value) => {
    const ip = value.trim().replace(/^\[(.*)\]$/, '$1');
    if (isIP(ip) === 0) throw new UsageError(`${flag} takes IP addresses of proxies (or * for any), got "${value}"`);
    return ip.toLowerCase();
  });
}

/** "1048576", "512kb", "10mb" → bytes. */
export function parseByteSize(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(value.trim());
  const unit = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 }[(match?.[2] ?? 'b').toLowerCase()];
  const bytes = match && unit ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isFinite(bytes) || bytes < 1) throw new UsageError(`${flag} must be a size like 1048576, 512kb or 10mb, got "${value}"`);
  return bytes;
}

/** "" or "/" → ""; "api/" → "/api". Only path characters; no query or fragment. */
export function normalizePrefix(value: string, flag: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (!trimmed) return '';
  const withSlash = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (!/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(withSlash)) {
    throw new UsageError(`${flag} must be a URL path like /api, got "${value}"`);
  }
  return withSlash;
}

/** Accepts "Name: value" pairs and JSON objects (the Python mcpo's --header form). */
export function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const text = value.trim();
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UsageError(`--header: not valid JSON: ${text.slice(0, 40)}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--header JSON must be an object of strings');
      for (const [name, v] of Object.entries(parsed)) {
        if (typeof v !== 'string') throw new UsageError(`--header: value of "${name}" must be a string`);
        headers[name] = v;
      }
      continue;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must look like "Name: value", got "${text.split(':')[0]}"`);
    const name = text.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header: "${name}" is not a valid header name`);
    headers[name] = text.slice(colon + 1).trim();
  }
  return headers;
}

async function readTls(flags: CliFlags, named: (flag: string) => string): Promise<Pick<RunOptions, 'tls'>> {
  if (!flags.sslCertfile && !flags.sslKeyfile) return {};
  if (!flags.sslCertfile || !flags.sslKeyfile) throw new UsageError('--ssl-certfile and --ssl-keyfile go together');
  const [cert, key] = await Promise.all([readText(flags.sslCertfile, named('--ssl-certfile')), readText(flags.sslKeyfile, named('--ssl-keyfile'))]);
  return { tls: { cert, key } };
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(`${flag}: cannot read ${file}: ${reason}`);
  }
}
