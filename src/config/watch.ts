/**
 * Watches one config file for changes, including editors that save by writing a new file and renaming
 * it over the old one (the watch is on the folder, so the new inode is seen) and symlinks whose target
 * is swapped (Kubernetes ConfigMap volumes replace a `..data` link; no event names the file itself).
 * Bursts of events are debounced into one callback.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** Editors write in several steps; wait this long after the last event. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 150;

export interface WatchOptions {
  onChange: () => void;
  /** Default DEFAULT_WATCH_DEBOUNCE_MS. */
  debounceMs?: number;
  /**
   * The watch itself failed (e.g. its folder was removed) and no further changes will be seen.
   * Default: ignored. Without a listener, an fs watcher error would end the process.
   */
  onError?: (error: Error) => void;
}

/** What identifies the file's current content cheaply: the stat of the file the path resolves to, or "missing". */
function signature(file: string): string {
  try {
    const s = statSync(file);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Calls `options.onChange` (debounced) whenever `file` changes; close() stops watching. */
export function watchConfigFile(file: string, options: WatchOptions): { close(): void } {
  const path = resolve(file);
  const target = basename(path);
  const debounceMs = options.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS;
  let timer: NodeJS.Timeout | undefined;
  let namedEvent = false;
  let seen = signature(path);

  const settle = (): void => {
    const now = signature(path);
    const changed = namedEvent || now !== seen;
    namedEvent = false;
    seen = now;
    if (changed) options.onChange();
  };
  const watcher: FSWatcher = watch(dirname(path), (_event, name) => {
    // Events naming the file count as they are; others (other files, a swapped symlink, platforms that
    // omit the name) count only when what the path resolves to has changed.
    if (name !== null && name.toString() === target) namedEvent = true;
    clearTimeout(timer);
    timer = setTimeout(settle, debounceMs);
  });
  watcher.on('error', (error) => {
    clearTimeout(timer);
    options.onError?.(error);
  });
  return {
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
