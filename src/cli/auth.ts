/**
 * `mcpo auth login|status|logout`: manage OAuth logins without starting the proxy.
 *   login <server>   authorize now (loopback or copy/paste, as configured); --force even with a valid token;
 *                    --no-browser prints the URL without opening a browser
 *   status           every OAuth server: token state and expiry, never token values; --user NAME: that user's
 *                    own tokens of every per-user server
 *   logout <server>  revoke at the RFC 7009 endpoint when advertised, then delete the saved tokens; --user NAME:
 *                    that user's own, of a per-user server
 *   rotate-key       re-write every token file with the first token key (read with any of them)
 * The config file is -c/--config or MCPO_CONFIG; token keys are MCPO_TOKEN_KEY or --token-key-file /
 * MCPO_TOKEN_KEY_FILE, as for serving; the shared store (Redis) is --store / MCPO_STORE or the config's `store`, as
 * for serving, and then every command acts on its records instead of token files.
 * Exit codes: 0 ok, 1 failure (authorization failed, revocation refused), 2 usage or config error.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/load.js';
import type { ServerEntry } from '../config/types.js';
import { McpoError, UsageError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import type { RecordCodec } from '../oauth/store/codec/recordCodec.js';
import type { StoredAuth } from '../oauth/store/schema.js';
import { resolveMcpoHome, tokensDir } from '../oauth/store/paths.js';
import { rotateTokenKey, type RotateKeyReport } from '../oauth/store/rotateKey.js';
import { loadTokenCodec, TOKEN_KEY_ENV, TOKEN_KEY_FILE_ENV } from './tokenKeys.js';
import { defaultOAuthDeps } from '../oauth/defaults.js';
import { withAnswerLimit } from '../oauth/requestLimits.js';
import { TokenFileEncryptedError } from '../oauth/errors.js';
import { DEFAULT_OAUTH_REQUEST_TIMEOUT_MS, withRequestTimeout } from '../oauth/requestTimeout.js';
import { describeLogout, logOut } from '../oauth/logout.js';
import { createTokenStore, isOAuthEntry, OAuthSupport, type OAuthDeps, type OAuthEntry } from '../oauth/setup.js';
import { describeTokens } from '../oauth/status.js';
import type { RedisConnection } from '../oauth/store/redis/redisConnection.js';
import { resolveStore } from '../oauth/store/redis/storeOption.js';

export const AUTH_EXIT_OK = 0;
export const AUTH_EXIT_FAILURE = 1;
export const AUTH_EXIT_USAGE = 2;

export interface AuthCliDeps {
  /** Environment for `${VAR}` expansion, MCPO_HOME and MCPO_CONFIG. */
  env: Readonly<Record<string, string | undefined>>;
  /** Results (status table, confirmations). */
  stdout: NodeJS.WritableStream;
  /** Logs, prompts and authorization URLs. */
  stderr: NodeJS.WritableStream;
  /** Replaces parts of the real OAuth edges (tests: openBrowser, io, fetch, now). */
  oauth?: Partial<OAuthDeps>;
}

interface Context {
  deps: AuthCliDeps;
  logger: Logger;
  /** Set by an action that failed without throwing. */
  exitCode: number;
}

export interface AuthCommands {
  command: Command;
  /** The exit code of the action that ran (actions that throw are mapped by the caller). */
  exitCode(): number;
}

/**
 * Adds the `auth` command and its subcommands to `program` (which should have exitOverride() and its
 * output configured first: subcommands inherit both). Actions are async: parse with parseAsync().
 */
export function registerAuthCommands(program: Command, deps: AuthCliDeps): AuthCommands {
  const context: Context = { deps, logger: createLogger({ level: 'warn', write: (line) => deps.stderr.write(`${line}\n`) }), exitCode: 0 };
  const auth = program.command('auth').description('log in to, inspect and log out of OAuth-protected servers');
  auth
    .command('login')
    .description('authorize mcpo for a server now')
    .argument('<server>', 'server name in the config file')
    .option('-c, --config <file>', 'mcpServers config file (default: $MCPO_CONFIG)')
    .option('--force', 'authorize again even when a valid token is saved', false)
    .option('--no-browser', 'do not open a browser; only print the authorization URL')
    .option(KEY_FILE_FLAG, KEY_FILE_HELP)
    .option(STORE_FLAG, STORE_HELP)
    .option(STORE_PREFIX_FLAG, STORE_PREFIX_HELP)
    .action(async (server: string, flags: LoginFlags & KeyFlags & StoreFlags) => {
      const config = configFile(context, flags);
      const codec = await codecOf(context, flags);
      await withSharedStore(context, flags, config, (shared) => login(context, server, { ...flags, config }, codec, shared));
    });
  auth
    .command('status')
    .description('list OAuth servers with their token state and expiry')
    .option('-c, --config <file>', 'mcpServers config file (default: $MCPO_CONFIG)')
    .option('--user <name>', 'the tokens of this mcpo user, on per-user servers')
    .option(KEY_FILE_FLAG, KEY_FILE_HELP)
    .option(STORE_FLAG, STORE_HELP)
    .option(STORE_PREFIX_FLAG, STORE_PREFIX_HELP)
    .action(async (flags: { config?: string; user?: string } & KeyFlags & StoreFlags) => {
      const config = configFile(context, flags);
      const codec = await codecOf(context, flags);
      await withSharedStore(context, flags, config, (shared) => status(context, { config, user: flags.user }, codec, shared));
    });
  auth
    .command('logout')
    .description('revoke the saved tokens (when the server supports it) and delete them')
    .argument('<server>', 'server name in the config file')
    .option('-c, --config <file>', 'mcpServers config file (default: $MCPO_CONFIG)')
    .option('--user <name>', 'the tokens of this mcpo user (a per-user server)')
    .option(KEY_FILE_FLAG, KEY_FILE_HELP)
    .option(STORE_FLAG, STORE_HELP)
    .option(STORE_PREFIX_FLAG, STORE_PREFIX_HELP)
    .action(async (server: string, flags: { config?: string; user?: string } & KeyFlags & StoreFlags) => {
      const config = configFile(context, flags);
      const codec = await codecOf(context, flags);
      await withSharedStore(context, flags, config, (shared) => logout(context, server, { config, user: flags.user }, codec, shared));
    });
  auth
    .command('rotate-key')
    .description(`re-write every token file with the first token key (${TOKEN_KEY_ENV}="new,old" or --token-key-file), reading it with any`)
    .option(KEY_FILE_FLAG, KEY_FILE_HELP)
    .option('-c, --config <file>', 'mcpServers config file, for its `store` (default: $MCPO_CONFIG; not needed for token files)')
    .option(STORE_FLAG, STORE_HELP)
    .option(STORE_PREFIX_FLAG, STORE_PREFIX_HELP)
    .action(async (flags: { config?: string } & KeyFlags & StoreFlags) => {
      const codec = await codecOf(context, flags);
      await withSharedStore(context, flags, flags.config ?? (context.deps.env.MCPO_CONFIG || undefined), (shared) => rotateKey(context, codec, shared));
    });
  return { command: auth, exitCode: () => context.exitCode };
}

/** Runs `mcpo auth ...` (argv as process.argv) and returns the exit code. */
export async function runAuthCli(argv: string[], deps: AuthCliDeps): Promise<number> {
  const program = new Command('mcpo').exitOverride().configureOutput({
    writeOut: (s) => deps.stdout.write(s),
    writeErr: (s) => deps.stderr.write(s),
  });
  const commands = registerAuthCommands(program, deps);
  try {
    await program.parseAsync(argv);
    return commands.exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? AUTH_EXIT_OK : AUTH_EXIT_USAGE;
    }
    const usage = error instanceof McpoError && (error.code === 'CONFIG_INVALID' || error.code === 'USAGE');
    deps.stderr.write(`mcpo: ${error instanceof Error ? error.message : String(error)}\n`);
    return usage ? AUTH_EXIT_USAGE : AUTH_EXIT_FAILURE;
  }
}

async function oauthEntries(context: Context, file: string): Promise<OAuthEntry[]> {
  const config = await loadConfig(file, { env: context.deps.env, warn: (m) => context.logger.warn(m) });
  return config.servers.filter(isOAuthEntry);
}

async function findEntry(context: Context, file: string, name: string): Promise<OAuthEntry> {
  const config = await loadConfig(file, { env: context.deps.env, warn: (m) => context.logger.warn(m) });
  const entry: ServerEntry | undefined = config.servers.find((s) => s.name === name);
  if (!entry) throw new UsageError(`no server named "${name}" in ${file}`);
  if (!isOAuthEntry(entry)) throw new UsageError(`server "${name}" has no "oauth" block`);
  return entry;
}

function oauthDeps(context: Context, codec: RecordCodec, shared: RedisConnection | undefined, noBrowser = false): OAuthDeps {
  return defaultOAuthDeps({ env: context.deps.env, logger: context.logger, noBrowser, overrides: { codec, sharedStore: shared, ...context.deps.oauth } });
}

const STORE_FLAG = '--store <url>';
const STORE_HELP = 'the shared store (Redis) serving mcpo uses: redis://host:port/db (default: $MCPO_STORE, else the config file\'s `store`)';
const STORE_PREFIX_FLAG = '--store-prefix <prefix>';
const STORE_PREFIX_HELP = 'its key prefix (default: $MCPO_STORE_PREFIX, else mcpo:)';

interface StoreFlags {
  store?: string;
  storePrefix?: string;
}

/**
 * Runs `fn` with the shared store named by --store, MCPO_STORE or the config file's `store` (in that order), opened
 * for the command and closed after; with none, `fn` gets undefined and token files are used.
 */
async function withSharedStore<T>(context: Context, flags: StoreFlags, configFile: string | undefined, fn: (shared: RedisConnection | undefined) => Promise<T>): Promise<T> {
  const { env } = context.deps;
  const configStore = configFile === undefined ? undefined : (await loadConfig(configFile, { env, warn: () => {} })).store;
  const spec = resolveStore({
    flag: flags.store ? { value: flags.store, name: '--store' } : env.MCPO_STORE ? { value: env.MCPO_STORE, name: 'MCPO_STORE' } : undefined,
    config: configStore !== undefined && configFile !== undefined ? { value: configStore, file: configFile } : undefined,
    prefix: flags.storePrefix ? { value: flags.storePrefix, name: '--store-prefix' } : env.MCPO_STORE_PREFIX ? { value: env.MCPO_STORE_PREFIX, name: 'MCPO_STORE_PREFIX' } : undefined,
    password: env.MCPO_STORE_PASSWORD,
  });
  if (!spec) return fn(undefined);
  const { RedisConnection } = await import('../oauth/store/redis/redisConnection.js');
  const shared = await RedisConnection.open({ ...spec, logger: context.logger });
  try {
    return await fn(shared);
  } finally {
    await shared.close();
  }
}

const KEY_FILE_FLAG = '--token-key-file <file>';
const KEY_FILE_HELP = `token keys, one per line, the first encrypts (default: $${TOKEN_KEY_FILE_ENV}; or $${TOKEN_KEY_ENV})`;

interface KeyFlags {
  tokenKeyFile?: string;
}

/** The token codec of MCPO_TOKEN_KEY or the key file (--token-key-file, else MCPO_TOKEN_KEY_FILE). */
function codecOf(context: Context, flags: KeyFlags): Promise<RecordCodec> {
  const fromEnv = context.deps.env[TOKEN_KEY_FILE_ENV] || undefined;
  return loadTokenCodec(
    { env: context.deps.env, keyFile: flags.tokenKeyFile ?? fromEnv, keyFileName: flags.tokenKeyFile ? '--token-key-file' : TOKEN_KEY_FILE_ENV },
    context.logger,
  );
}

/** -c/--config, else MCPO_CONFIG (as for serving); a UsageError when neither is given. */
function configFile(context: Context, flags: { config?: string }): string {
  const file = flags.config ?? (context.deps.env.MCPO_CONFIG || undefined);
  if (file === undefined) throw new UsageError('-c/--config FILE is required (or set MCPO_CONFIG)');
  return file;
}

interface LoginFlags {
  config: string;
  force: boolean;
  /** False with --no-browser. */
  browser: boolean;
}

async function login(context: Context, name: string, flags: LoginFlags, codec: RecordCodec, shared: RedisConnection | undefined): Promise<void> {
  const entry = await findEntry(context, flags.config, name);
  const deps = oauthDeps(context, codec, shared, !flags.browser);
  const auth = new OAuthSupport(deps).forEntry(entry)!;
  const outcome = await auth.login(flags.force);
  const stored = await auth.stored();
  const state = describeTokens(stored, deps.now?.() ?? Date.now());
  const what = outcome === 'already_authorized' ? 'already authorized' : 'authorized';
  context.deps.stdout.write(`${name}: ${what}${state.expiresAt ? ` (access token expires ${state.expiresAt})` : ''}\n`);
}

async function status(context: Context, flags: { config: string; user?: string | undefined }, codec: RecordCodec, shared: RedisConnection | undefined): Promise<void> {
  const deps = oauthDeps(context, codec, shared);
  const all = await oauthEntries(context, flags.config);
  // A user has tokens only on per-user servers; the others are the operator's.
  const entries = flags.user === undefined ? all : all.filter((entry) => entry.oauth.perUser !== undefined);
  if (entries.length === 0) context.deps.stdout.write(flags.user === undefined ? 'no server in this config uses OAuth\n' : 'no server in this config is per-user\n');
  for (const entry of entries) {
    const store = createTokenStore(entry, deps, flags.user);
    const storage = entry.oauth.storageType === 'memory' ? 'memory (not kept between runs)' : (store.location ?? '');
    let saved: StoredAuth | undefined;
    try {
      saved = await store.load();
    } catch (error) {
      // One server's file sealed with another key: the others are still listed, and the exit status says so.
      if (!(error instanceof TokenFileEncryptedError)) throw error;
      context.exitCode = AUTH_EXIT_FAILURE;
      context.deps.stdout.write(`${entry.name}: encrypted with ${error.keyId ? `key id ${error.keyId}, ` : 'a key '}not configured (set ${TOKEN_KEY_ENV})  storage ${storage}\n`);
      continue;
    }
    const state = describeTokens(saved, deps.now?.() ?? Date.now());
    const parts = [
      `${entry.name}: ${state.state}`,
      state.expiresAt ? `expires ${state.expiresAt}` : undefined,
      state.scope ? `scope "${state.scope}"` : undefined,
      state.state === 'not authorized' ? undefined : `refresh token ${state.refreshable ? 'yes' : 'no'}`,
      `storage ${storage}`,
    ];
    context.deps.stdout.write(`${parts.filter(Boolean).join('  ')}\n`);
  }
}

async function logout(context: Context, name: string, flags: { config: string; user?: string | undefined }, codec: RecordCodec, shared: RedisConnection | undefined): Promise<void> {
  const entry = await findEntry(context, flags.config, name);
  if (flags.user !== undefined && !entry.oauth.perUser) throw new UsageError(`server "${name}" is not per-user ("perUser": true): it has no tokens of user "${flags.user}"`);
  const deps = oauthDeps(context, codec, shared);
  const plain = deps.fetch ?? ((url: string | URL, init?: RequestInit) => fetch(url, init));
  const outcome = await logOut({
    serverUrl: entry.url,
    config: entry.oauth,
    store: createTokenStore(entry, deps, flags.user),
    fetch: withAnswerLimit(withRequestTimeout(plain, deps.requestTimeoutMs ?? DEFAULT_OAUTH_REQUEST_TIMEOUT_MS)),
    now: deps.now ?? Date.now,
  });
  if (outcome.revocation === 'not_revoked') context.exitCode = AUTH_EXIT_FAILURE;
  const whose = flags.user === undefined ? '' : ` (user ${flags.user})`;
  context.deps.stdout.write(`${name}${whose}: logged out (${describeLogout(outcome)}; saved tokens deleted)\n`);
}

async function rotateKey(context: Context, codec: RecordCodec, shared: RedisConnection | undefined): Promise<void> {
  if (codec.keyIds.length === 0) throw new UsageError(`rotate-key needs the token keys: set ${TOKEN_KEY_ENV}="new,old" (or --token-key-file / ${TOKEN_KEY_FILE_ENV}), the new key first`);
  const out = context.deps.stdout;
  if (shared) {
    const { rotateSharedKeys } = await import('../oauth/store/redis/rotateSharedKeys.js');
    const report = await rotateSharedKeys(shared, codec);
    out.write(`token records in ${shared.shown} re-written with key id ${codec.keyIds[0]}: ${report.rewritten.length}; already current: ${report.current.length}; unreadable: ${report.unreadable.length}\n`);
    for (const { file, why } of report.unreadable) out.write(`  unreadable: ${file} (${UNREADABLE[why]})\n`);
    if (report.unreadable.length > 0) context.exitCode = AUTH_EXIT_FAILURE;
    return;
  }
  const mcpoHome = context.deps.oauth?.mcpoHome ?? resolveMcpoHome(context.deps.env, homedir());
  const report = await rotateTokenKey({ mcpoHome, codec, logger: context.logger });
  out.write(`token files re-written with key id ${codec.keyIds[0]}: ${report.rewritten.length}; already current: ${report.current.length}; unreadable: ${report.unreadable.length}\n`);
  for (const { file, why } of report.unreadable) out.write(`  unreadable: ${path.join(tokensDir(mcpoHome), file)} (${UNREADABLE[why]})\n`);
  if (report.unreadable.length > 0) context.exitCode = AUTH_EXIT_FAILURE;
}

const UNREADABLE: Record<RotateKeyReport['unreadable'][number]['why'], string> = {
  corrupt: 'not a token record',
  refused: 'fails authentication: tampered with, or copied from another token file',
  no_key: 'encrypted with a key that is not configured',
  io: 'cannot be read',
};
