/**
 * The token store on the hot path (issue #18): what a call costs mcpo when its OAuth tokens live in the shared
 * store (`--store redis://…`) rather than in a token file, and how many Redis commands the calls cause. A valid,
 * cached access token must not cost a round trip to Redis per call.
 *
 * The example OAuth server (in the orchestrator) serves `echo` on its MCP endpoint to a pre-registered client whose
 * tokens it mints (issueTokens) and the bench saves through the store classes, in a token file or in a redis-server
 * the bench starts; mcpo (bin/mcpo.js, its own process) connects with them. Then the same autocannon load as the
 * other scenarios, file and Redis alternating per connection count, each on a fresh mcpo. Redis's
 * `INFO commandstats` is read when the measured window opens and when it closes: what mcpo sent in between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOAuthExampleServer, type OAuthExampleServer } from '../examples/oauth-server/index.js';
import { silentLogger } from '../src/log/logger.js';
import { FileTokenStore } from '../src/oauth/store/fileTokenStore.js';
import { RedisConnection } from '../src/oauth/store/redis/redisConnection.js';
import { RedisTokenStore } from '../src/oauth/store/redis/redisTokenStore.js';
import { DEFAULT_STORE_PREFIX, parseStoreUrl } from '../src/oauth/store/redis/storeUrl.js';
import { STORED_AUTH_VERSION, type StoredAuth } from '../src/oauth/store/schema.js';
import { runHttpLoad, type LoadResult } from './load.js';
import { startMcpo } from './mcpo.js';
import { memoryOf } from './proc.js';
import { commandsBetween, startBenchRedis, type BenchRedis, type CommandCounts } from './redis.js';

export type StoreKind = 'file' | 'redis';

export interface StoreRow extends LoadResult {
  /** `store-<kind>-c<connections>`. */
  id: string;
  store: StoreKind;
  connections: number;
  durationS: number;
  /** Peak RSS (VmHWM) of mcpo, bytes. */
  peakRss?: number;
  /** Redis only: commands mcpo sent from its start until the measured window opened (its record read at least). */
  redisBefore?: CommandCounts;
  /** Redis only: commands mcpo sent during the measured window. */
  redisWindow?: CommandCounts;
}

export interface StoreResult {
  rows: StoreRow[];
}

/** The client the example server knows in advance: mcpo uses it as configured (no registration, no login). */
const CLIENT_ID = 'mcpo-bench-store';
const SERVER = 'secure';
const BODY = JSON.stringify({ message: 'bench' });

/** A record as a login would leave it: the minted tokens, with their absolute expiry. */
function mintedRecord(server: OAuthExampleServer): StoredAuth {
  const { expires_in: expiresIn, ...tokens } = server.issueTokens({ clientId: CLIENT_ID });
  return {
    version: STORED_AUTH_VERSION,
    serverUrl: server.mcpUrl,
    clientIdentity: CLIENT_ID,
    tokens: { ...tokens, ...(expiresIn ? { expires_at: Date.now() + expiresIn * 1000, lifetime_seconds: expiresIn } : {}) },
  };
}

async function saveInRedis(url: string, record: StoredAuth): Promise<void> {
  const connection = await RedisConnection.open({ address: parseStoreUrl(url, 'bench'), prefix: DEFAULT_STORE_PREFIX, logger: silentLogger });
  try {
    await new RedisTokenStore({ connection, serverUrl: record.serverUrl, clientIdentity: CLIENT_ID }).save(record);
  } finally {
    await connection.close();
  }
}

export async function runStore(options: { repoRoot: string; connections: readonly number[]; durationS: number; warmupS: number; bin?: string }): Promise<StoreResult> {
  const server = await startOAuthExampleServer({
    port: 0,
    clients: [{ client_id: CLIENT_ID, redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
  });
  const home = mkdtempSync(join(tmpdir(), 'mcpo-bench-store-'));
  let redis: BenchRedis | undefined;
  try {
    redis = await startBenchRedis();
    const record = mintedRecord(server);
    await new FileTokenStore({ mcpoHome: home, serverUrl: record.serverUrl, clientIdentity: CLIENT_ID }).save(record);
    await saveInRedis(redis.url, record);
    const rows: StoreRow[] = [];
    for (const connections of options.connections) {
      for (const store of ['file', 'redis'] as const) rows.push(await runOne(store, connections, redis, home, server, options));
    }
    return { rows };
  } finally {
    await redis?.stop();
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

async function runOne(
  store: StoreKind,
  connections: number,
  redis: BenchRedis,
  home: string,
  server: OAuthExampleServer,
  options: { repoRoot: string; durationS: number; warmupS: number; bin?: string },
): Promise<StoreRow> {
  const atStart = store === 'redis' ? await redis.commandStats() : undefined;
  const mcpo = await startMcpo({
    repoRoot: options.repoRoot,
    servers: { [SERVER]: { type: 'streamable-http', url: server.mcpUrl, oauth: { client_id: CLIENT_ID, callback_port: 0 } } },
    args: store === 'redis' ? ['--store', redis.url] : [],
    // Only what this run says: no store, token key or browser from the orchestrator's environment.
    env: { MCPO_HOME: home, MCPO_STORE: '', MCPO_STORE_PREFIX: '', MCPO_TOKEN_KEY: '', MCPO_TOKEN_KEY_FILE: '', BROWSER: 'true', DISPLAY: '', WAYLAND_DISPLAY: '' },
    ...(options.bin ? { bin: options.bin } : {}),
  });
  let opened: CommandCounts | undefined;
  let closed: CommandCounts | undefined;
  try {
    const load = await runHttpLoad({
      url: `${mcpo.url}/${SERVER}/echo`,
      body: BODY,
      connections,
      warmupS: options.warmupS,
      durationS: options.durationS,
      pid: mcpo.pid,
      ...(store === 'redis'
        ? { window: { opening: async () => void (opened = await redis.commandStats()), closed: async () => void (closed = await redis.commandStats()) } }
        : {}),
    });
    const memory = memoryOf(mcpo.pid);
    return {
      id: `store-${store}-c${connections}`,
      store,
      connections,
      durationS: options.durationS,
      ...load,
      ...(memory ? { peakRss: memory.peakRss } : {}),
      ...(atStart && opened && closed ? { redisBefore: commandsBetween(atStart, opened), redisWindow: commandsBetween(opened, closed) } : {}),
    };
  } finally {
    await mcpo.stop();
  }
}
