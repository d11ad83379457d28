/**
 * The rule of per-user OAuth servers that the file alone cannot decide: their logins come back to mcpo's own port,
 * so an entry that leaves `redirect` to the default needs a public URL (which makes the default "server").
 * An explicit "loopback" or the paste flow is refused by the schema (oauthSchema.ts).
 */
import { ConfigError } from '../errors.js';
import { PER_USER_NEEDS_SERVER_REDIRECT } from './oauthSchema.js';
import type { ServerEntry } from './types.js';

/** Throws a ConfigError naming the first per-user entry whose logins could not come back to mcpo. */
export function checkPerUserEntries(servers: readonly ServerEntry[], hasPublicUrl: boolean, file: string | undefined): void {
  if (hasPublicUrl) return;
  for (const entry of servers) {
    if (entry.kind === 'stdio' || !entry.oauth?.perUser || entry.oauth.redirect === 'server') continue;
    throw new ConfigError(PER_USER_NEEDS_SERVER_REDIRECT, { ...(file ? { file } : {}), path: `mcpServers.${entry.name}.oauth.perUser` });
  }
}
