/**
 * `startOAuthDemo`: the example OAuth server and mcpo in one process, mcpo configured from one of the
 * examples/config_oauth*.json files pointed at wherever the example server listens. mcpo runs through the
 * same run() its CLI uses, with its real OAuth client (file tokens, loopback callback); only the browser
 * hook is chosen by the demo (see browser.ts). No `process` access here: main.ts passes the environment,
 * the streams and the browser in.
 */
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { ServerEntry } from '../../src/config/types.js';
import type { Logger } from '../../src/log/logger.js';
import type { Manager } from '../../src/mcp/manager.js';
import type { ServerState } from '../../src/mcp/types.js';
import { defaultOAuthDeps } from '../../src/oauth/defaults.js';
import type { PromptIo } from '../../src/oauth/prompts.js';
import { isOAuthEntry, OAuthSupport, storeIdentity, type OAuthEntry } from '../../src/oauth/setup.js';
import { tokenFileName, tokensDir } from '../../src/oauth/store/paths.js';
import { run, type Running } from '../../src/run.js';
import { startOAuthExampleServer, type OAuthExampleServer } from '../oauth-server/index.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_MCPO_PORT, DEFAULT_SERVER_PORT } from './args.js';
import { DemoConfigError, retargetConfig, staticClientsFor } from './effectiveConfig.js';

/** mcpo and the example server listen on loopback only: the demo is never reachable from the network. */
export const DEMO_HOST = '127.0.0.1';

export interface OAuthDemoOptions {
  /** Default DEFAULT_CONFIG_FILE (examples/config_oauth.json). */
  configFile?: string;
  /** mcpo's port. Default DEFAULT_MCPO_PORT (8000); 0 picks a free one. */
  port?: number;
  /** The example server's port. Default DEFAULT_SERVER_PORT (8001); 0 picks a free one. */
  serverPort?: number;
  /** Overrides every oauth block's callback_port. Default: as configured. */
  callbackPort?: number;
  /** mcpo's home (token files under <home>/tokens). Default: a temporary folder that close() deletes. */
  mcpoHome?: string;
  /** The example server approves at once instead of showing its consent page. Default false. */
  autoApprove?: boolean;
  /** Access-token lifetime of the example server, seconds. Default: its own (3600). */
  accessTokenTtlSeconds?: number;
  /** Environment for `${VAR}` expansion in the config and for mcpo (parentEnv). */
  env: Readonly<Record<string, string | undefined>>;
  /** mcpo's logger. */
  logger: Logger;
  /** Receives the example server's request lines (never tokens). Default: dropped. */
  serverLog?: (line: string) => void;
  /** Where mcpo prints authorization URLs, how it opens the browser, where pasted codes come from. */
  io: PromptIo;
  /** Config warnings (unknown keys…) and the demo's own notes. Default: mcpo's logger. */
  warn?: (message: string) => void;
}

export interface OAuthDemo {
  /** e.g. http://127.0.0.1:8000 */
  readonly mcpoUrl: string;
  /** e.g. http://127.0.0.1:8001 */
  readonly serverUrl: string;
  /** The config mcpo serves (the chosen file, retargeted); valid until close(). */
  readonly configFile: string;
  readonly mcpoHome: string;
  /** True when mcpoHome is a temporary folder that close() deletes. */
  readonly temporaryHome: boolean;
  /** The config's servers that use OAuth. */
  readonly oauthServers: readonly OAuthEntry[];
  readonly manager: Manager;
  /** The token file of an OAuth server with file storage (it exists once the user approved). */
  tokenFile(server: string): string | undefined;
  /** Resolves the first time `server` reaches `state` (at once if it is there). */
  whenState(server: string, state: ServerState, signal?: AbortSignal): Promise<void>;
  /** Stops mcpo (its sessions and any authorization under way), then the example server; deletes temporary files. */
  close(): Promise<void>;
}

/** Starts both; resolves once both listen (authorization then proceeds in the background). */
export async function startOAuthDemo(options: OAuthDemoOptions): Promise<OAuthDemo> {
  const sourceFile = options.configFile ?? DEFAULT_CONFIG_FILE;
  const warn = options.warn ?? ((message: string) => options.logger.warn(message));
  const source = await loadConfig(sourceFile, { env: options.env, warn });
  const workDir = await mkdtemp(path.join(tmpdir(), 'mcpo-demo-'));
  const cleanups: Array<() => Promise<unknown>> = [() => removeUntilGone(workDir)];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  };
  try {
    const server: OAuthExampleServer = await startOAuthExampleServer({
      port: options.serverPort ?? DEFAULT_SERVER_PORT,
      host: DEMO_HOST,
      autoApprove: options.autoApprove ?? false,
      clients: staticClientsFor(source.servers.filter(isOAuthEntry)),
      ...(options.accessTokenTtlSeconds === undefined ? {} : { accessTokenTtlSeconds: options.accessTokenTtlSeconds }),
      ...(options.serverLog ? { log: options.serverLog } : {}),
    });
    cleanups.push(() => server.close());

    const configFile = path.join(workDir, path.basename(sourceFile));
    const retargeted = retargetConfig(await readFile(sourceFile, 'utf8'), {
      origin: server.url,
      ...(options.callbackPort === undefined ? {} : { callbackPort: options.callbackPort }),
    });
    await writeFile(configFile, retargeted, { mode: 0o600 });
    // Warnings were already given for the source file; the retargeted copy has the same keys.
    const { servers } = await loadConfig(configFile, { env: options.env, warn: () => {} });
    const oauthServers = servers.filter(isOAuthEntry);
    if (oauthServers.length === 0) throw new DemoConfigError(`${sourceFile} has no server with an "oauth" block`);

    const temporaryHome = options.mcpoHome === undefined;
    const mcpoHome = options.mcpoHome === undefined ? path.join(workDir, 'home') : path.resolve(options.mcpoHome);
    for (const entry of oauthServers) {
      // The example server keeps clients and tokens in memory and starts empty: a token file for its URL left
      // by an earlier run holds a registration and tokens it no longer knows, so it is removed, not reused.
      const stale = temporaryHome ? undefined : tokenFilePath(mcpoHome, servers, entry.name);
      if (stale && (await exists(stale))) {
        await rm(stale, { force: true });
        warn(`removed ${stale} from an earlier run: the example server starts empty, so its client and tokens were no longer valid`);
      }
    }
    const oauth = new OAuthSupport(
      defaultOAuthDeps({ env: options.env, logger: options.logger, overrides: { mcpoHome, io: options.io } }),
    );
    const running: Running = await run({
      servers,
      host: DEMO_HOST,
      port: options.port ?? DEFAULT_MCPO_PORT,
      logger: options.logger,
      parentEnv: options.env,
      info: { title: 'mcpo OAuth demo', version: '0.0.0' },
      clientInfo: { name: 'mcpo-demo', version: '0.0.0' },
      oauth,
    });
    cleanups.push(() => running.close());

    const { manager } = running;
    return {
      mcpoUrl: running.url,
      serverUrl: server.url,
      configFile,
      mcpoHome,
      temporaryHome,
      oauthServers,
      manager,
      tokenFile: (name) => tokenFilePath(mcpoHome, servers, name),
      whenState: (name, state, signal) => whenState(manager, name, state, signal),
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Deletes `dir` and checks it stays deleted. mcpo's close() cancels an authorization under way but does not
 * wait for it, so its last token-store write can land a moment later and recreate the tokens folder.
 */
async function removeUntilGone(dir: string, attempts = 5): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!(await exists(dir))) return;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function tokenFilePath(mcpoHome: string, servers: readonly ServerEntry[], name: string): string | undefined {
  const entry = servers.find((s) => s.name === name);
  if (!entry || !isOAuthEntry(entry) || entry.oauth.storageType !== 'file') return undefined;
  return path.join(tokensDir(mcpoHome), tokenFileName(entry.url, storeIdentity(entry).clientIdentity));
}

function whenState(manager: Manager, name: string, state: ServerState, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const reached = () => manager.get(name)?.status().state === state;
    if (reached()) return resolve();
    if (signal?.aborted) return reject(signal.reason);
    const stop = () => {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      stop();
      reject(signal?.reason);
    };
    const unsubscribe = manager.onChange((server) => {
      if (server === name && reached()) {
        stop();
        resolve();
      }
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
