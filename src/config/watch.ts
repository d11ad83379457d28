/**
 * Watches one config file for changes, including editors that save by writing a new file and renaming
 * it over the old one (the watch is on the folder, so the new inode is seen). Bursts of events are
 * debounced into one callback.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** Editors write in several steps; wait this long after the last event. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 150;

export interface WatchOptions {
  onChange: () => void;
  debounceMs?: number;
}

export function watchConfigFile(file: string, options: WatchOptions): { close(): void } {
  const target = basename(resolve(file));
  const debounceMs = options.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS;
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(resolve(file)), (_event, name) => {
    // Some platforms omit the name; then any change in the folder counts.
    if (name !== null && name.toString() !== target) return;
    clearTimeout(timer);
    timer = setTimeout(options.onChange, debounceMs);
  });
  return {
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
