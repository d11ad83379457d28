/**
 * --hot-reload: when the config file changes, load it again, reconcile the running servers with it and take its
 * users' keys. An invalid new config is refused with the same message as at start-up, and the running configuration
 * (servers and users) stays as it was. Reloads never overlap: a change during a reload triggers one more afterwards.
 */
import type { ServerEntry } from './config/types.js';
import type { UserEntry } from './config/users.js';
import { watchConfigFile } from './config/watch.js';
import { McpoError } from './errors.js';
import type { Logger } from './log/logger.js';
import type { Manager } from './mcp/manager.js';
import { reconcile } from './mcp/reconcile.js';
import type { UserKeys } from './server/userKeys.js';

/** What a reload takes from the config file. */
export interface ReloadedConfig {
  servers: readonly ServerEntry[];
  /** Undefined or []: no users. */
  users?: readonly UserEntry[];
}

export interface HotReloadOptions {
  file: string;
  /** Loads and validates the file (throws ConfigError when invalid). */
  load: () => Promise<ReloadedConfig>;
  manager: Manager;
  /** Receives the new users' keys of each valid config. Default: users are not followed. */
  users?: UserKeys;
  initial: readonly ServerEntry[];
  logger: Logger;
  debounceMs?: number;
  /** Called after each reload attempt (tests wait on it). */
  onReloaded?: (outcome: { ok: boolean; error?: string }) => void;
}

export function startHotReload(options: HotReloadOptions): { close(): void } {
  const { logger } = options;
  let current = options.initial;
  let running: Promise<void> | undefined;
  let again = false;

  const reloadOnce = async () => {
    try {
      const next = await options.load();
      // Before the servers: a valid file's keys apply at once, however long new servers take to start.
      options.users?.replace(next.users ?? []);
      const result = await reconcile(options.manager, current, next.servers);
      current = next.servers;
      logger.info('config reloaded', {
        added: result.added.join(',') || undefined,
        removed: result.removed.join(',') || undefined,
        changed: result.changed.join(',') || undefined,
        unchanged: result.unchanged.length,
        users: options.users?.size,
      });
      options.onReloaded?.({ ok: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const known = error instanceof McpoError && error.code === 'CONFIG_INVALID';
      logger.error(`config not reloaded; the running configuration stays: ${message}`, known ? undefined : { error });
      options.onReloaded?.({ ok: false, error: message });
    }
  };

  const trigger = () => {
    if (running) {
      again = true;
      return;
    }
    running = reloadOnce().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        trigger();
      }
    });
  };

  const watcher = watchConfigFile(options.file, {
    onChange: trigger,
    onError: (error) => logger.warn('hot reload stopped: the config file can no longer be watched', { file: options.file, error }),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
  });
  logger.info('watching the config file for changes', { file: options.file });
  return { close: () => watcher.close() };
}
